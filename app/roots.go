package main

// The image is FROM scratch, with no CA bundle: the service's TLS calls to
// AWS APIs verify against Mozilla's roots compiled into the binary, used
// only when the system has none (a host or a test machine keeps its own).
import _ "golang.org/x/crypto/x509roots/fallback"
