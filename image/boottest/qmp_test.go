package boottest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// qmp talks to QEMU's machine protocol socket (-qmp unix:PATH): the test
// uses it to see what an emulator that went silent is doing (run state,
// where each CPU is, whether it still burns host CPU), and the reboot
// loop uses it to reset the machine. One connection per call: QEMU's
// server takes one client at a time.
type qmp struct{ path string }

// do runs one QMP command and returns its "return" value.
func (q *qmp) do(cmd string, args map[string]any) (json.RawMessage, error) {
	c, err := net.DialTimeout("unix", q.path, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadBytes('\n'); err != nil { // greeting
		return nil, fmt.Errorf("qmp greeting: %w", err)
	}
	send := func(cmd string, args map[string]any) (json.RawMessage, error) {
		req := map[string]any{"execute": cmd}
		if args != nil {
			req["arguments"] = args
		}
		b, _ := json.Marshal(req)
		if _, err := c.Write(append(b, '\n')); err != nil {
			return nil, err
		}
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return nil, fmt.Errorf("qmp %s: %w", cmd, err)
			}
			var resp struct {
				Return json.RawMessage `json:"return"`
				Error  *struct {
					Class, Desc string
				} `json:"error"`
			}
			if err := json.Unmarshal(line, &resp); err != nil {
				return nil, fmt.Errorf("qmp %s: %q: %w", cmd, line, err)
			}
			if resp.Error != nil {
				return nil, fmt.Errorf("qmp %s: %s: %s", cmd, resp.Error.Class, resp.Error.Desc)
			}
			if resp.Return != nil {
				return resp.Return, nil
			}
			// an event: read on
		}
	}
	if _, err := send("qmp_capabilities", nil); err != nil {
		return nil, err
	}
	return send(cmd, args)
}

// hmp runs a human monitor command through QMP.
func (q *qmp) hmp(line string) (string, error) {
	b, err := q.do("human-monitor-command", map[string]any{"command-line": line})
	if err != nil {
		return "", err
	}
	var s string
	json.Unmarshal(b, &s)
	return s, nil
}

var cpuLine = regexp.MustCompile(`(?m)^(CPU#\d+|[RE]IP=.*|RAX=\S+ RBX=\S+|EFER=\S+|CS =\S+ \S+)`)

// diagnose reports, for a test that waited in vain, whether QEMU is alive,
// its run state, where its CPUs are (twice, 2 s apart: a CPU whose RIP
// moves in firmware is spinning, one that stays may be halted) and how
// much host CPU time QEMU used in between.
func diagnose(q *qmp, pid int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "QEMU pid %d", pid)
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		b.WriteString(": gone\n")
		return b.String()
	}
	b.WriteString(": alive\n")
	cpu0 := procCPU(pid)
	for i := 0; i < 2; i++ {
		if st, err := q.do("query-status", nil); err != nil {
			fmt.Fprintf(&b, "query-status: %v\n", err)
		} else {
			fmt.Fprintf(&b, "query-status: %s\n", st)
		}
		if cpus, err := q.hmp("info cpus"); err == nil {
			fmt.Fprintf(&b, "info cpus:\n%s", cpus)
		}
		if regs, err := q.hmp("info registers -a"); err != nil {
			fmt.Fprintf(&b, "info registers: %v\n", err)
		} else {
			for _, l := range cpuLine.FindAllString(regs, -1) {
				b.WriteString("  " + strings.TrimSpace(l) + "\n")
			}
		}
		if i == 0 {
			time.Sleep(2 * time.Second) // diagnostics only: two samples of a stuck machine
		}
	}
	fmt.Fprintf(&b, "host CPU used by QEMU over the sampling: %.2f s\n", (procCPU(pid) - cpu0).Seconds())
	return b.String()
}

// procCPU is a process's user+system CPU time (from /proc/PID/stat).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * time.Second / 100 // USER_HZ
}
