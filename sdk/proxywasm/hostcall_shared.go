package proxywasm

// GetSharedData reads key from the data the host shares between every instance of
// the plugin's VM (in weir, every instance of the module). cas is the value's version:
// pass it to SetSharedData to write only if nobody wrote in between. A missing key is
// types.ErrorStatusNotFound.
func GetSharedData(key string) (value []byte, cas uint32, err error) {
	ptr, size, casp := retSlots3()
	st := proxyGetSharedData(stringPtr(key), uint32(len(key)), ptr, size, casp)
	data, cas := received(*ptr, *size), *casp
	if err := statusErr(st); err != nil {
		return nil, 0, err
	}
	return data, cas, nil
}

// SetSharedData writes key. cas 0 writes unconditionally; otherwise the write happens
// only if the value's version is still cas, else types.ErrorStatusCasMismatch.
func SetSharedData(key string, data []byte, cas uint32) error {
	return statusErr(proxySetSharedData(stringPtr(key), uint32(len(key)), bytesPtr(data), uint32(len(data)), cas))
}

// RegisterSharedQueue creates (or opens) the queue name of this VM and makes the
// calling plugin context the one told of each enqueue (PluginContext.OnQueueReady).
// Call it from OnPluginStart.
func RegisterSharedQueue(name string) (queueID uint32, err error) {
	st := proxyRegisterSharedQueue(stringPtr(name), uint32(len(name)), &queueID)
	return queueID, statusErr(st)
}

// ResolveSharedQueue finds the queue name that VM vmID registered;
// types.ErrorStatusNotFound if it did not (yet).
func ResolveSharedQueue(vmID, queueName string) (queueID uint32, err error) {
	st := proxyResolveSharedQueue(stringPtr(vmID), uint32(len(vmID)), stringPtr(queueName), uint32(len(queueName)), &queueID)
	return queueID, statusErr(st)
}

// EnqueueSharedQueue appends data to a queue.
func EnqueueSharedQueue(queueID uint32, data []byte) error {
	return statusErr(proxyEnqueueSharedQueue(queueID, bytesPtr(data), uint32(len(data))))
}

// DequeueSharedQueue takes the oldest item of a queue; an empty queue is
// types.ErrorStatusEmpty.
func DequeueSharedQueue(queueID uint32) ([]byte, error) {
	var ptr, size uint32
	st := proxyDequeueSharedQueue(queueID, &ptr, &size)
	data := received(ptr, size)
	if err := statusErr(st); err != nil {
		return nil, err
	}
	return data, nil
}
