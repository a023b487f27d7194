//go:build linux

package moto

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills moto_server when the test binary dies, even by a
// panic that skips TestMain's Stop.
func dieWithParent(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
