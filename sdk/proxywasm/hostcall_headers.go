package proxywasm

// Header map types (proxy_map_type_t).
const (
	mapRequestHeaders   uint32 = 0
	mapRequestTrailers  uint32 = 1
	mapResponseHeaders  uint32 = 2
	mapResponseTrailers uint32 = 3
)

// GetHttpRequestHeaders returns every request header, pseudo-headers (:method, :path,
// :authority, :scheme) included.
func GetHttpRequestHeaders() ([][2]string, error) { return getMap(mapRequestHeaders) }

// ReplaceHttpRequestHeaders replaces all request headers.
func ReplaceHttpRequestHeaders(headers [][2]string) error {
	return setMap(mapRequestHeaders, headers)
}

// GetHttpRequestHeader returns the first value of a request header, or
// types.ErrorStatusNotFound.
func GetHttpRequestHeader(key string) (string, error) { return getMapValue(mapRequestHeaders, key) }

// AddHttpRequestHeader adds a request header, keeping existing ones of that name.
func AddHttpRequestHeader(key, value string) error { return addMapValue(mapRequestHeaders, key, value) }

// ReplaceHttpRequestHeader sets a request header, replacing every value it had.
func ReplaceHttpRequestHeader(key, value string) error {
	return replaceMapValue(mapRequestHeaders, key, value)
}

// RemoveHttpRequestHeader removes a request header; an absent one is not an error.
func RemoveHttpRequestHeader(key string) error { return removeMapValue(mapRequestHeaders, key) }

// GetHttpRequestTrailers returns every request trailer.
func GetHttpRequestTrailers() ([][2]string, error) { return getMap(mapRequestTrailers) }

// GetHttpResponseHeaders returns every response header, :status included.
func GetHttpResponseHeaders() ([][2]string, error) { return getMap(mapResponseHeaders) }

// ReplaceHttpResponseHeaders replaces all response headers.
func ReplaceHttpResponseHeaders(headers [][2]string) error {
	return setMap(mapResponseHeaders, headers)
}

// GetHttpResponseHeader returns the first value of a response header, or
// types.ErrorStatusNotFound.
func GetHttpResponseHeader(key string) (string, error) {
	return getMapValue(mapResponseHeaders, key)
}

// AddHttpResponseHeader adds a response header, keeping existing ones of that name.
func AddHttpResponseHeader(key, value string) error {
	return addMapValue(mapResponseHeaders, key, value)
}

// ReplaceHttpResponseHeader sets a response header, replacing every value it had.
func ReplaceHttpResponseHeader(key, value string) error {
	return replaceMapValue(mapResponseHeaders, key, value)
}

// RemoveHttpResponseHeader removes a response header; an absent one is not an error.
func RemoveHttpResponseHeader(key string) error { return removeMapValue(mapResponseHeaders, key) }

// GetHttpResponseTrailers returns every response trailer.
func GetHttpResponseTrailers() ([][2]string, error) { return getMap(mapResponseTrailers) }

func getMap(t uint32) ([][2]string, error) {
	ptr, size := retSlots()
	st := proxyGetHeaderMapPairs(t, ptr, size)
	data := received(*ptr, *size)
	if err := statusErr(st); err != nil {
		return nil, err
	}
	return decodePairs(data)
}

func setMap(t uint32, pairs [][2]string) error {
	b := encodePairs(pairs)
	return statusErr(proxySetHeaderMapPairs(t, bytesPtr(b), uint32(len(b))))
}

func getMapValue(t uint32, key string) (string, error) {
	ptr, size := retSlots()
	st := proxyGetHeaderMapValue(t, stringPtr(key), uint32(len(key)), ptr, size)
	data := received(*ptr, *size)
	if err := statusErr(st); err != nil {
		return "", err
	}
	return unsafeString(data), nil
}

func removeMapValue(t uint32, key string) error {
	return statusErr(proxyRemoveHeaderMapValue(t, stringPtr(key), uint32(len(key))))
}

func addMapValue(t uint32, key, value string) error {
	return statusErr(proxyAddHeaderMapValue(t, stringPtr(key), uint32(len(key)), stringPtr(value), uint32(len(value))))
}

func replaceMapValue(t uint32, key, value string) error {
	return statusErr(proxyReplaceHeaderMapValue(t, stringPtr(key), uint32(len(key)), stringPtr(value), uint32(len(value))))
}
