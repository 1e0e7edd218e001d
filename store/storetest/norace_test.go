//go:build !race

package storetest_test

// raceDetector says the test binary was built with -race.
const raceDetector = false
