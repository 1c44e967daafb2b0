//go:build linux && !race

package sockio

import (
	"syscall"
	"unsafe"
)

// enabled: the race detector learns of what a read fills and a write sends through
// the syscall package's annotations, which direct calls would skip, so its builds
// keep Go's own path.
const enabled = true

// readOnce reads once into p: done with what it read (0 at the end of the stream) or
// an error, not done when nothing is waiting yet.
func readOnce(fd uintptr, p []byte) (int, syscall.Errno, bool) {
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch errno {
		case 0:
			return int(n), 0, true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, 0, false
		default:
			return 0, errno, true
		}
	}
}

// writeAll writes p until it is all sent (done), the socket's buffer is full (not
// done, with what was sent) or an error.
func writeAll(fd uintptr, p []byte) (int, syscall.Errno, bool) {
	sent := 0
	for sent < len(p) {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[sent])), uintptr(len(p)-sent))
		switch errno {
		case 0:
			sent += int(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return sent, 0, false
		default:
			return sent, errno, true
		}
	}
	return sent, 0, true
}
