package moto

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts moto in its own process group and has the kernel kill it when the
// thread that started it exits (see startProcess).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killTree kills moto's whole process group.
func killTree(cmd *exec.Cmd) {
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = cmd.Process.Kill()
	}
}
