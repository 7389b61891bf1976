//go:build race

package netloop_test

// raceEnabled scales down the tests whose cost the race detector multiplies
// (TestHugeMultibulk: 10 M arguments take 8 s without it, 60 s with it on
// two cores).
const raceEnabled = true
