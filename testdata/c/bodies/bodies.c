// bodies: a proxy-wasm 0.2.1 plugin in C (clang + wasi-libc), exporting malloc as its
// allocator and _initialize as a WASI reactor.
//
//   request headers   logs at the host's log level (proxy_get_log_level) and echoes that
//                     level to the upstream as x-c-log-level; a request carrying x-deny
//                     gets a local 418 "denied by c" with x-c: denied instead, a
//                     warning in the log, and a line on stderr (WASI fd_write).
//   request body      upper-cases a non-empty body (get + replace), then wraps it in < and >
//                     (prepend + append), so the upstream sees "<HELLO>" for "hello".
//   response body     once the whole body is in (PAUSE until then), reads its first byte
//                     and wraps a JSON object as {"c_wrapped": ...} (prepend + append).
//   log               logs "c plugin: log phase" (proxy_on_log), and proxy_on_done
//                     lets the host finish the context.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WASM_IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define WASM_EXPORT(name) __attribute__((export_name(name)))

enum { OK = 0, NOT_FOUND = 1 };
enum { CONTINUE = 0, PAUSE = 1 };
enum { REQUEST_BODY = 0, RESPONSE_BODY = 1 };
enum { REQUEST_HEADERS = 0 };
enum { LOG_INFO = 2, LOG_WARN = 3 };

WASM_IMPORT("proxy_log") int32_t proxy_log(int32_t level, const char *msg, size_t size);
WASM_IMPORT("proxy_get_log_level") int32_t proxy_get_log_level(int32_t *level);
WASM_IMPORT("proxy_get_header_map_value")
int32_t proxy_get_header_map_value(int32_t map, const char *key, size_t key_size, char **value, size_t *value_size);
WASM_IMPORT("proxy_add_header_map_value")
int32_t proxy_add_header_map_value(int32_t map, const char *key, size_t key_size, const char *value, size_t value_size);
WASM_IMPORT("proxy_send_local_response")
int32_t proxy_send_local_response(int32_t status, const char *details, size_t details_size, const char *body,
                                  size_t body_size, const char *headers, size_t headers_size, int32_t grpc_status);
WASM_IMPORT("proxy_get_buffer_bytes")
int32_t proxy_get_buffer_bytes(int32_t buffer, size_t start, size_t max, char **data, size_t *size);
WASM_IMPORT("proxy_set_buffer_bytes")
int32_t proxy_set_buffer_bytes(int32_t buffer, size_t start, size_t size, const char *data, size_t data_size);

WASM_EXPORT("proxy_abi_version_0_2_1") void proxy_abi_version_0_2_1(void) {}

static void log_info(const char *msg) { proxy_log(LOG_INFO, msg, strlen(msg)); }

static void add_request_header(const char *key, const char *value) {
	proxy_add_header_map_value(REQUEST_HEADERS, key, strlen(key), value, strlen(value));
}

// has_request_header reports whether the request carries key; the host's copy of the
// value is freed at once.
static int has_request_header(const char *key) {
	char *value = NULL;
	size_t size = 0;
	if (proxy_get_header_map_value(REQUEST_HEADERS, key, strlen(key), &value, &size) != OK) {
		return 0;
	}
	free(value);
	return 1;
}

// deny answers 418 with one header, serialized as the ABI's pairs: a count, each pair's
// key and value lengths, then each key and value NUL-terminated.
static void deny(void) {
	static const char pairs[] = "\x01\x00\x00\x00" "\x03\x00\x00\x00" "\x06\x00\x00\x00" "x-c\0denied";
	static const char body[] = "denied by c";
	proxy_send_local_response(418, "c", 1, body, strlen(body), pairs, sizeof pairs, -1);
}

WASM_EXPORT("proxy_on_request_headers")
int32_t proxy_on_request_headers(int32_t context_id, int32_t headers, int32_t end_of_stream) {
	int32_t level = -1;
	if (proxy_get_log_level(&level) != OK) {
		level = -1;
	}
	char digits[4] = {0};
	digits[0] = (char)('0' + (level >= 0 && level <= 5 ? level : 9));
	log_info("c plugin: request headers");
	add_request_header("x-c-log-level", digits);
	if (has_request_header("x-deny")) {
		deny();
		proxy_log(LOG_WARN, "c plugin: denied", 16);
		fputs("c plugin: denied, said on stderr\n", stderr);
	}
	return CONTINUE;
}

WASM_EXPORT("proxy_on_request_body")
int32_t proxy_on_request_body(int32_t context_id, int32_t body_size, int32_t end_of_stream) {
	if (!end_of_stream) {
		return PAUSE;
	}
	char *body = NULL;
	size_t size = 0;
	if (body_size == 0) {
		return CONTINUE;
	}
	if (proxy_get_buffer_bytes(REQUEST_BODY, 0, body_size, &body, &size) == OK) {
		for (size_t i = 0; i < size; i++) {
			if (body[i] >= 'a' && body[i] <= 'z') {
				body[i] = (char)(body[i] - 'a' + 'A');
			}
		}
		proxy_set_buffer_bytes(REQUEST_BODY, 0, size, body, size);
		free(body);
	}
	proxy_set_buffer_bytes(REQUEST_BODY, 0, 0, "<", 1);
	proxy_set_buffer_bytes(REQUEST_BODY, 0x7fffffff, 0, ">", 1);
	return CONTINUE;
}

WASM_EXPORT("proxy_on_response_body")
int32_t proxy_on_response_body(int32_t context_id, int32_t body_size, int32_t end_of_stream) {
	if (!end_of_stream) {
		return PAUSE;
	}
	// wrap JSON objects only, so a local response (denied by c) passes as it is
	char *first = NULL;
	size_t size = 0;
	if (proxy_get_buffer_bytes(RESPONSE_BODY, 0, 1, &first, &size) != OK || size != 1) {
		return CONTINUE;
	}
	int is_object = first[0] == '{';
	free(first);
	if (!is_object) {
		return CONTINUE;
	}
	static const char head[] = "{\"c_wrapped\":";
	proxy_set_buffer_bytes(RESPONSE_BODY, 0, 0, head, strlen(head));
	proxy_set_buffer_bytes(RESPONSE_BODY, 0x7fffffff, 0, "}", 1);
	return CONTINUE;
}

WASM_EXPORT("proxy_on_done") int32_t proxy_on_done(int32_t context_id) { return 1; }

WASM_EXPORT("proxy_on_log") void proxy_on_log(int32_t context_id) { log_info("c plugin: log phase"); }
