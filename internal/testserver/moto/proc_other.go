//go:build !linux

package moto

import (
	"os/exec"
	"syscall"
)

// sysProcAttr has no parent-death signal outside Linux: call Shutdown from TestMain.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func killTree(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
