package proxywasm

// GetProperty reads a host property by path, e.g. []string{"request", "path"} or
// []string{"plugin_name"}. Values are host-defined bytes.
func GetProperty(path []string) ([]byte, error) { return GetPropertyPath(serializePath(path)) }

// GetPropertyPath is GetProperty with the path as the ABI carries it: segments joined
// by NUL ("request\x00path"). A constant path so written costs no allocation.
func GetPropertyPath(p string) ([]byte, error) {
	ptr, size := retSlots()
	st := proxyGetProperty(stringPtr(p), uint32(len(p)), ptr, size)
	data := received(*ptr, *size)
	if err := statusErr(st); err != nil {
		return nil, err
	}
	return data, nil
}

// SetProperty writes a writable host property.
func SetProperty(path []string, value []byte) error {
	p := serializePath(path)
	return statusErr(proxySetProperty(stringPtr(p), uint32(len(p)), bytesPtr(value), uint32(len(value))))
}

// CallForeignFunction calls a function the host registered by name with raw argument
// bytes and returns its raw result. An unknown name is types.ErrorStatusNotFound.
func CallForeignFunction(funcName string, param []byte) ([]byte, error) {
	ptr, size := retSlots()
	st := proxyCallForeignFunction(stringPtr(funcName), uint32(len(funcName)),
		bytesPtr(param), uint32(len(param)), ptr, size)
	data := received(*ptr, *size)
	if err := statusErr(st); err != nil {
		return nil, err
	}
	return data, nil
}

// CallForeignFunctionInto is CallForeignFunction appending the result to dst, which
// it returns: with room in dst, a result the host wrote in the SDK's return buffer
// costs no allocation. A weir extension of the SDK's API.
func CallForeignFunctionInto(funcName string, param, dst []byte) ([]byte, error) {
	ptr, size := retSlots()
	st := proxyCallForeignFunction(stringPtr(funcName), uint32(len(funcName)),
		bytesPtr(param), uint32(len(param)), ptr, size)
	dst = appendReceived(dst, *ptr, *size)
	if err := statusErr(st); err != nil {
		return dst, err
	}
	return dst, nil
}

// GetPropertyMap reads a property whose value is a map, such as request.headers,
// serialized as header pairs.
func GetPropertyMap(path []string) ([][2]string, error) {
	b, err := GetProperty(path)
	if err != nil {
		return nil, err
	}
	return decodePairs(b)
}
