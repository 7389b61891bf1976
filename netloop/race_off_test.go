//go:build !race

package netloop_test

const raceEnabled = false
