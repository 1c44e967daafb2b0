package proxywasm

// Trailers. weir's HTTP/1.1 pipeline carries none: it never calls the trailer
// callbacks, and every call below answers types.ErrorStatusNotFound there. Other
// proxy-wasm hosts (Envoy) implement them.

// ReplaceHttpRequestTrailers replaces all request trailers.
func ReplaceHttpRequestTrailers(trailers [][2]string) error {
	return setMap(mapRequestTrailers, trailers)
}

// GetHttpRequestTrailer returns the first value of a request trailer.
func GetHttpRequestTrailer(key string) (string, error) { return getMapValue(mapRequestTrailers, key) }

// RemoveHttpRequestTrailer removes a request trailer.
func RemoveHttpRequestTrailer(key string) error { return removeMapValue(mapRequestTrailers, key) }

// ReplaceHttpRequestTrailer sets a request trailer, replacing every value it had.
func ReplaceHttpRequestTrailer(key, value string) error {
	return replaceMapValue(mapRequestTrailers, key, value)
}

// AddHttpRequestTrailer adds a request trailer.
func AddHttpRequestTrailer(key, value string) error {
	return addMapValue(mapRequestTrailers, key, value)
}

// ReplaceHttpResponseTrailers replaces all response trailers.
func ReplaceHttpResponseTrailers(trailers [][2]string) error {
	return setMap(mapResponseTrailers, trailers)
}

// GetHttpResponseTrailer returns the first value of a response trailer.
func GetHttpResponseTrailer(key string) (string, error) {
	return getMapValue(mapResponseTrailers, key)
}

// RemoveHttpResponseTrailer removes a response trailer.
func RemoveHttpResponseTrailer(key string) error { return removeMapValue(mapResponseTrailers, key) }

// ReplaceHttpResponseTrailer sets a response trailer, replacing every value it had.
func ReplaceHttpResponseTrailer(key, value string) error {
	return replaceMapValue(mapResponseTrailers, key, value)
}

// AddHttpResponseTrailer adds a response trailer.
func AddHttpResponseTrailer(key, value string) error {
	return addMapValue(mapResponseTrailers, key, value)
}
