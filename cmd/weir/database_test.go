package main

import (
	"testing"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
)

func TestPgDSN(t *testing.T) {
	base := conf.Postgres{Host: "db", Port: 5432, User: "weir", Database: "weir"}
	withPass := base
	withPass.Password = "p@ss:/word"
	ssl := base
	ssl.SSL = true
	verify := ssl
	verify.SSLVerify = true
	v6 := base
	v6.Host = "::1"
	tests := []struct {
		name string
		p    conf.Postgres
		want string
	}{
		{"plain", base, "postgres://weir@db:5432/weir?sslmode=disable"},
		{"password escaped", withPass, "postgres://weir:p%40ss%3A%2Fword@db:5432/weir?sslmode=disable"},
		{"ssl", ssl, "postgres://weir@db:5432/weir?sslmode=require"},
		{"ssl verify", verify, "postgres://weir@db:5432/weir?sslmode=verify-full"},
		{"ipv6", v6, "postgres://weir@[::1]:5432/weir?sslmode=disable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pgDSN(tt.p); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
