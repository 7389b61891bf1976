package keytab

import "unsafe"

func sizeOf[V any](v V) uintptr { return unsafe.Sizeof(v) }
