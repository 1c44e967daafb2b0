package weir

import (
	"reflect"
	"testing"
)

func TestError(t *testing.T) {
	tests := []struct {
		name, id, want string
	}{
		{"with request id", "abc", `{"message":"Unauthorized","request_id":"abc"}`},
		{"host without ids", "", `{"message":"Unauthorized"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldID, oldSend := requestID, sendResponse
			t.Cleanup(func() { requestID, sendResponse = oldID, oldSend })
			requestID = func() string { return tt.id }
			var gotStatus uint32
			var gotHeaders [][2]string
			var gotBody string
			sendResponse = func(status uint32, headers [][2]string, body []byte, _ int32) error {
				gotStatus, gotHeaders, gotBody = status, headers, string(body)
				return nil
			}
			Error(401, "Unauthorized", [2]string{"www-authenticate", "Key"})
			want := [][2]string{{"content-type", "application/json; charset=utf-8"}, {"www-authenticate", "Key"}}
			if gotStatus != 401 || gotBody != tt.want || !reflect.DeepEqual(gotHeaders, want) {
				t.Fatalf("got %d %s %v", gotStatus, gotBody, gotHeaders)
			}
		})
	}
}
