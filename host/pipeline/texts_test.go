package pipeline

import "testing"

func TestTexts(t *testing.T) {
	in := [][]byte{[]byte("GET"), []byte("/a?b=1"), nil, []byte("example.com")}
	var texts Texts
	texts.Reserve(3 + 6 + 11)
	var got []string
	for _, b := range in {
		got = append(got, texts.Copy(b))
	}
	got = append(got, texts.Copy([]byte("over the reservation")))
	want := []string{"GET", "/a?b=1", "", "example.com", "over the reservation"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("text %d = %q, want %q", i, got[i], want[i])
		}
	}
	in[0][0] = 'P' // the caller's slices are copied, not shared
	if got[0] != "GET" {
		t.Errorf("text changed with its source: %q", got[0])
	}
	if n := testing.AllocsPerRun(100, func() {
		var texts Texts
		texts.Reserve(20)
		for _, b := range in {
			_ = texts.Copy(b)
		}
	}); n != 1 {
		t.Errorf("%.0f allocations for a message's texts, want 1", n)
	}
}

func TestStatusText(t *testing.T) {
	for _, tt := range []struct {
		code int
		want string
	}{{200, "200"}, {100, "100"}, {599, "599"}, {99, "99"}, {600, "600"}, {0, "0"}} {
		if got := StatusText(tt.code); got != tt.want {
			t.Errorf("StatusText(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}
