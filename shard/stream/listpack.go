package stream

// Sizes of Redis's listpack encoding, so that nodes split where Redis's
// listpacks do (see node.full). Each element is an encoding header, its
// data and a back-length; strings that parse as integers are stored as
// integers.

// lpHeaderBytes is an empty listpack: the 6-byte header and the end byte.
const lpHeaderBytes = 7

// lpElemSize is the size of a string element b.
func lpElemSize(b []byte) int {
	if v, ok := parseInt(b); ok {
		return lpIntSize(v)
	}
	n := len(b)
	var enc int
	switch {
	case n < 64:
		enc = 1 + n
	case n < 4096:
		enc = 2 + n
	default:
		enc = 5 + n
	}
	return enc + lpBacklenSize(enc)
}

// lpIntSize is the size of an integer element.
func lpIntSize(v int64) int {
	var enc int
	switch {
	case v >= 0 && v <= 127:
		enc = 1
	case v >= -4096 && v <= 4095:
		enc = 2
	case v >= -32768 && v <= 32767:
		enc = 3
	case v >= -8388608 && v <= 8388607:
		enc = 4
	case v >= -2147483648 && v <= 2147483647:
		enc = 5
	default:
		enc = 9
	}
	return enc + lpBacklenSize(enc)
}

func lpBacklenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}
