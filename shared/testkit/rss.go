package testkit

import (
	"os"
	"strconv"
	"strings"
)

// PeakRSS is the process's resident high-water mark in bytes (Linux's
// VmHWM; 0 elsewhere): benchmarks report how much memory refusing a
// hostile file cost.
func PeakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
