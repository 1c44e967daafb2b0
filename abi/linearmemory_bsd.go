//go:build darwin || freebsd

package abi

// mapNoReserve: these systems do not reserve swap for untouched anonymous pages.
const mapNoReserve = 0
