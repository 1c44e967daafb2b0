package proxywasm

// TCP (L4) streams. weir hosts HTTP plugins only and never creates a TCP context, so
// these calls exist for plugins that also target L4 hosts such as Envoy; in weir they
// answer an error.

// GetDownstreamData returns up to maxSize bytes of the data received from the client.
func GetDownstreamData(start, maxSize int) ([]byte, error) {
	return getBuffer(bufferDownstreamData, uint32(start), uint32(maxSize))
}

// AppendDownstreamData adds data after the client's data.
func AppendDownstreamData(data []byte) error {
	return setBuffer(bufferDownstreamData, whole, 0, data)
}

// PrependDownstreamData adds data before the client's data.
func PrependDownstreamData(data []byte) error { return setBuffer(bufferDownstreamData, 0, 0, data) }

// ReplaceDownstreamData replaces the client's data.
func ReplaceDownstreamData(data []byte) error {
	return setBuffer(bufferDownstreamData, 0, whole, data)
}

// GetUpstreamData returns up to maxSize bytes of the data received from the upstream.
func GetUpstreamData(start, maxSize int) ([]byte, error) {
	return getBuffer(bufferUpstreamData, uint32(start), uint32(maxSize))
}

// AppendUpstreamData adds data after the upstream's data.
func AppendUpstreamData(data []byte) error { return setBuffer(bufferUpstreamData, whole, 0, data) }

// PrependUpstreamData adds data before the upstream's data.
func PrependUpstreamData(data []byte) error { return setBuffer(bufferUpstreamData, 0, 0, data) }

// ReplaceUpstreamData replaces the upstream's data.
func ReplaceUpstreamData(data []byte) error { return setBuffer(bufferUpstreamData, 0, whole, data) }

// ContinueTcpStream resumes a TCP stream paused by types.ActionPause.
func ContinueTcpStream() error { return statusErr(proxyContinueStream(streamDownstream)) }

// CloseDownstream closes the client connection.
func CloseDownstream() error { return statusErr(proxyCloseStream(streamDownstream)) }

// CloseUpstream closes the upstream connection.
func CloseUpstream() error { return statusErr(proxyCloseStream(streamUpstream)) }
