package cqltest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"sort"

	"github.com/google/uuid"
)

// Option ids of the native protocol's [option] type.
const (
	typeBigint    uint16 = 0x0002
	typeBlob      uint16 = 0x0003
	typeBoolean   uint16 = 0x0004
	typeInt       uint16 = 0x0009
	typeTimestamp uint16 = 0x000B
	typeUUID      uint16 = 0x000C
	typeVarchar   uint16 = 0x000D
	typeTimeUUID  uint16 = 0x000F
	typeInet      uint16 = 0x0010
	typeList      uint16 = 0x0020
	typeMap       uint16 = 0x0021
	typeSet       uint16 = 0x0022
)

var nativeTypes = map[string]uint16{
	"bigint": typeBigint, "blob": typeBlob, "boolean": typeBoolean, "int": typeInt,
	"timestamp": typeTimestamp, "uuid": typeUUID, "text": typeVarchar, "varchar": typeVarchar,
	"timeuuid": typeTimeUUID, "inet": typeInet,
}

// ctype is a column type.
type ctype struct {
	kind      uint16
	elem, key *ctype
}

func (t *ctype) String() string {
	switch t.kind {
	case typeSet:
		return "set<" + t.elem.String() + ">"
	case typeList:
		return "list<" + t.elem.String() + ">"
	case typeMap:
		return "map<" + t.key.String() + ", " + t.elem.String() + ">"
	}
	for n, k := range nativeTypes {
		if k == t.kind && n != "varchar" {
			return n
		}
	}
	return fmt.Sprintf("0x%04x", t.kind)
}

// write appends the [option] encoding of t.
func (t *ctype) write(b *bytes.Buffer) {
	writeShort(b, t.kind)
	switch t.kind {
	case typeSet, typeList:
		t.elem.write(b)
	case typeMap:
		t.key.write(b)
		t.elem.write(b)
	}
}

var (
	textType = &ctype{kind: typeVarchar}
	intType  = &ctype{kind: typeInt}
	boolType = &ctype{kind: typeBoolean}
)

// compareValues orders two serialized values of one type as Cassandra orders
// clustering columns of that type.
func compareValues(t *ctype, a, b []byte) int {
	switch t.kind {
	case typeInt, typeBigint, typeTimestamp:
		return cmpInt(decodeInt(a), decodeInt(b))
	}
	return bytes.Compare(a, b)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func decodeInt(b []byte) int64 {
	switch len(b) {
	case 4:
		return int64(int32(binary.BigEndian.Uint32(b)))
	case 8:
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

// literal serializes a CQL literal as a value of type t.
func literal(t *ctype, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	bad := &Error{Code: ErrInvalid, Message: fmt.Sprintf("Invalid literal %v for a column of type %s", v, t)}
	switch x := v.(type) {
	case string:
		switch t.kind {
		case typeVarchar, typeBlob:
			return []byte(x), nil
		case typeUUID, typeTimeUUID:
			u, err := uuid.Parse(x)
			if err != nil {
				return nil, bad
			}
			return u[:], nil
		case typeInet:
			ip := net.ParseIP(x)
			if ip == nil {
				return nil, bad
			}
			if v4 := ip.To4(); v4 != nil {
				return v4, nil
			}
			return ip, nil
		}
	case int64:
		switch t.kind {
		case typeInt:
			return binary.BigEndian.AppendUint32(nil, uint32(int32(x))), nil
		case typeBigint, typeTimestamp:
			return binary.BigEndian.AppendUint64(nil, uint64(x)), nil
		}
	case bool:
		if t.kind == typeBoolean {
			if x {
				return []byte{1}, nil
			}
			return []byte{0}, nil
		}
	case map[string]string:
		if t.kind == typeMap {
			return encodeTextMap(x), nil
		}
	}
	return nil, bad
}

func encodeInt32(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(int32(n))) }

// encodeTextMap serializes a map<text, text> with its keys sorted.
func encodeTextMap(m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	writeInt(&b, int32(len(keys)))
	for _, k := range keys {
		writeBytes(&b, []byte(k))
		writeBytes(&b, []byte(m[k]))
	}
	return b.Bytes()
}

// encodeTextSet serializes a set<text>.
func encodeTextSet(items ...string) []byte {
	var b bytes.Buffer
	writeInt(&b, int32(len(items)))
	for _, s := range items {
		writeBytes(&b, []byte(s))
	}
	return b.Bytes()
}
