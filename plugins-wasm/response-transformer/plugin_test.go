package responsetransformer

import "testing"

func TestIsJSON(t *testing.T) {
	tests := []struct {
		name    string
		headers [][2]string
		want    bool
	}{
		{"json", [][2]string{{"content-type", "application/json"}}, true},
		{"parameters and case", [][2]string{{"content-type", "Application/JSON; charset=utf-8"}}, true},
		{"among types", [][2]string{{"content-type", "text/plain, application/json"}}, true},
		{"other type", [][2]string{{"content-type", "text/html"}}, false},
		{"absent", [][2]string{{"x", "application/json"}}, false},
		{"repeated header is a table", [][2]string{{"content-type", "application/json"}, {"content-type", "application/json"}}, false},
		{"empty", [][2]string{{"content-type", ""}}, false},
	}
	for _, tt := range tests {
		if got := isJSON(tt.headers); got != tt.want {
			t.Errorf("%s: isJSON = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHasHeader(t *testing.T) {
	hs := [][2]string{{":status", "200"}, {"x-served-by", "a"}}
	for key, want := range map[string]bool{headerKey("X_Served_By"): true, headerKey("x-served"): false, headerKey(":status"): true} {
		if got := hasHeader(hs, key); got != want {
			t.Errorf("hasHeader(%q) = %v, want %v", key, got, want)
		}
	}
}
