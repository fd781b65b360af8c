package pjlink_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/cuecast/cuecast/hw/pjlink"
	"github.com/cuecast/cuecast/hw/pjlink/pjlinktest"
)

// start runs a fake projector for the test and returns a client for it whose
// retry waits advance the projector's fake clock instead of sleeping.
func start(t *testing.T, password string, setup func(*pjlinktest.Projector)) (*pjlinktest.Projector, *pjlink.Client) {
	t.Helper()
	p := pjlinktest.New()
	p.Password = password
	if setup != nil {
		setup(p)
	}
	addr, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c := pjlink.New(addr, password)
	c.Timeout = 2 * time.Second
	c.RetryInterval = 5 * time.Second
	clk := p.Clock.(*clockwork.FakeClock)
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		clk.Advance(d)
		return nil
	}
	return p, c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The PJLink specification's own example: random 498e4a67 and password
// JBMIAProjectorLink give digest 5d8409bc1c3fa39749434aa3a5c38682.
func TestAuthDigestOnWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		c.Write([]byte("PJLINK 1 498e4a67\r"))
		buf := make([]byte, 100)
		n, _ := c.Read(buf)
		got <- string(buf[:n])
		c.Write([]byte("%1POWR=1\r"))
	}()
	c := pjlink.New(ln.Addr().String(), "JBMIAProjectorLink")
	if pw, err := c.Power(ctxT(t)); err != nil || pw != pjlink.PowerOn {
		t.Fatalf("Power = %v, %v", pw, err)
	}
	if line := <-got; line != "5d8409bc1c3fa39749434aa3a5c38682%1POWR ?\r" {
		t.Fatalf("wire = %q", line)
	}
}

func TestAuth(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		p, c := start(t, "secret", nil)
		if _, err := c.Status(ctxT(t)); err != nil {
			t.Fatalf("Status with the right password: %v", err)
		}
		if log := p.Log(); len(log) != 4 || log[0] != "%1POWR ?" {
			t.Fatalf("projector saw %q, want 4 authenticated commands", log)
		}
	})
	t.Run("no auth", func(t *testing.T) {
		_, c := start(t, "", nil)
		if _, err := c.Power(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong password ERRA", func(t *testing.T) {
		p, _ := start(t, "secret", nil)
		c := pjlink.New(p.Addr(), "wrong")
		_, err := c.Power(ctxT(t))
		if !errors.Is(err, pjlink.ErrAuth) || !strings.Contains(err.Error(), "password") {
			t.Fatalf("Power with a wrong password = %v, want ErrAuth naming the password", err)
		}
		if log := p.Log(); len(log) != 1 || !strings.HasPrefix(log[0], "ERRA") {
			t.Fatalf("projector log %q", log)
		}
	})
	t.Run("password missing", func(t *testing.T) {
		p, _ := start(t, "secret", nil)
		c := pjlink.New(p.Addr(), "")
		if _, err := c.Power(ctxT(t)); !errors.Is(err, pjlink.ErrAuth) || !strings.Contains(err.Error(), "password_file") {
			t.Fatalf("Power without a password = %v", err)
		}
	})
}

func TestCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		code string
		want error
	}{
		{"ERR1", pjlink.ErrUndefined},
		{"ERR2", pjlink.ErrParameter},
		{"ERR3", pjlink.ErrUnavailable},
		{"ERR4", pjlink.ErrFailure},
	} {
		t.Run(tc.code, func(t *testing.T) {
			p, c := start(t, "pw", nil)
			p.Fail("INPT", tc.code)
			p.SetPower(1)
			err := c.SetInput(ctxT(t), "31")
			var ce *pjlink.CommandError
			if !errors.Is(err, tc.want) || !errors.As(err, &ce) || ce.Code != tc.code {
				t.Fatalf("SetInput with %s = %v, want %v", tc.code, err, tc.want)
			}
		})
	}
	t.Run("real ERR2 and ERR1", func(t *testing.T) {
		p, c := start(t, "", nil)
		p.SetPower(1)
		if err := c.SetInput(ctxT(t), "59"); !errors.Is(err, pjlink.ErrParameter) {
			t.Fatalf("INPT 59 = %v, want ERR2", err)
		}
		if _, err := c.Command(ctxT(t), "XXXX", "?"); !errors.Is(err, pjlink.ErrUndefined) {
			t.Fatalf("XXXX = %v, want ERR1", err)
		}
	})
}

func TestStatusAndErrors(t *testing.T) {
	p, c := start(t, "pw", nil)
	p.SetPower(1)
	p.SetErrors("021001")
	p.SetLamp(1234, false)
	st, err := c.Status(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	want := pjlink.Errors{Fan: 0, Lamp: 2, Temperature: 1, Cover: 0, Filter: 0, Other: 1}
	if st.Power != pjlink.PowerOn || st.Errors != want || len(st.Lamps) != 1 || st.Lamps[0] != (pjlink.Lamp{Hours: 1234, On: true}) || st.Input != "31" {
		t.Fatalf("Status = %+v", st)
	}
	// In standby LAMP still answers but INPT is ERR3: not an error for Status.
	p.SetPower(0)
	p.SetLamp(0, true) // a laser model: LAMP is ERR1
	if st, err = c.Status(ctxT(t)); err != nil || st.Power != pjlink.PowerOff || st.Lamps != nil || st.Input != "" {
		t.Fatalf("standby Status = %+v, %v", st, err)
	}
	// A garbage ERST is a protocol error, not a silent "ok".
	p.SetErrors("0x0000")
	if _, err := c.Status(ctxT(t)); !errors.Is(err, pjlink.ErrProtocol) {
		t.Fatalf("Status with ERST 0x0000 = %v, want ErrProtocol", err)
	}
}

func TestTimeout(t *testing.T) {
	p, c := start(t, "", nil)
	p.Stall(true)
	c.Timeout = 200 * time.Millisecond
	_, err := c.Power(ctxT(t))
	if !errors.Is(err, pjlink.ErrTimeout) {
		t.Fatalf("Power on a stalled projector = %v, want ErrTimeout", err)
	}
	// Context cancellation ends a wait too, with the context's error.
	c.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Power(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Power with an ending context = %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	c := pjlink.New(addr, "")
	_, err = c.Power(ctxT(t))
	if !errors.Is(err, pjlink.ErrUnreachable) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "check address/cable") {
		t.Fatalf("Power on a closed port = %v", err)
	}
}

func TestNotPJLink(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	if _, err := pjlink.New(ln.Addr().String(), "").Power(ctxT(t)); !errors.Is(err, pjlink.ErrProtocol) {
		t.Fatalf("Power against an SSH server = %v, want ErrProtocol", err)
	}
}

// TestReconnect: a projector that hangs up after every command still serves
// a four-command status poll, one connection per command.
func TestReconnect(t *testing.T) {
	p, c := start(t, "pw", nil)
	p.SetPower(1)
	p.CloseAfter(1)
	st, err := c.Status(ctxT(t))
	if err != nil {
		t.Fatalf("Status against a projector that hangs up: %v", err)
	}
	if st.Power != pjlink.PowerOn || st.Input != "31" {
		t.Fatalf("Status = %+v", st)
	}
	if n := p.Conns(); n != 4 {
		t.Fatalf("%d connections, want 4 (one per command)", n)
	}
	// And every call dials afresh: a later call works after the hang-up.
	if _, err := c.Power(ctxT(t)); err != nil || p.Conns() != 5 {
		t.Fatalf("Power after hang-ups = %v, conns %d", err, p.Conns())
	}
}

func TestPowerRespectsTransitions(t *testing.T) {
	t.Run("on while cooling waits, then powers on", func(t *testing.T) {
		p, c := start(t, "pw", nil)
		p.SetPower(2) // cooling for 60 s
		if err := c.SetPower(ctxT(t), true); err != nil {
			t.Fatal(err)
		}
		log := p.Log()
		// 60 s of cooling at 5 s per look: 12 looks while cooling, then one
		// that sees off, then the command. Never a POWR 1 while cooling.
		if n := count(log, "%1POWR ?"); n != 13 {
			t.Errorf("%d power queries, want 13: %q", n, log)
		}
		if log[len(log)-1] != "%1POWR 1" || count(log, "%1POWR 1") != 1 {
			t.Errorf("log %q: want exactly one POWR 1, last", log)
		}
		if p.Power() != 3 {
			t.Errorf("projector state %d, want warming (3)", p.Power())
		}
	})
	t.Run("on while warming is done", func(t *testing.T) {
		p, c := start(t, "", nil)
		p.SetPower(3)
		if err := c.SetPower(ctxT(t), true); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(p.Log(), "%1POWR 1") {
			t.Errorf("sent POWR 1 to a warming projector: %q", p.Log())
		}
	})
	t.Run("off while warming waits", func(t *testing.T) {
		p, c := start(t, "", nil)
		p.SetPower(3) // warming 30 s
		if err := c.SetPower(ctxT(t), false); err != nil {
			t.Fatal(err)
		}
		log := p.Log()
		if n := count(log, "%1POWR ?"); n != 7 || log[len(log)-1] != "%1POWR 0" {
			t.Errorf("log %q: want 7 queries then POWR 0", log)
		}
		if p.Power() != 2 {
			t.Errorf("projector state %d, want cooling (2)", p.Power())
		}
	})
	t.Run("ERR3 is retried", func(t *testing.T) {
		p, c := start(t, "", nil)
		p.Fail("POWR 1", "ERR3")
		ctx, cancel := context.WithCancel(ctxT(t))
		calls := 0
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			calls++
			if calls == 3 {
				cancel()
				return ctx.Err()
			}
			return nil
		}
		err := c.SetPower(ctx, true)
		if !errors.Is(err, context.Canceled) && !errors.Is(err, pjlink.ErrUnavailable) {
			t.Fatalf("SetPower against ERR3 = %v", err)
		}
		if calls != 3 || count(p.Log(), "%1POWR 1") != 3 {
			t.Fatalf("%d waits, log %q: want 3 tries of POWR 1", calls, p.Log())
		}
	})
	t.Run("ERR4 is not retried", func(t *testing.T) {
		p, c := start(t, "", nil)
		p.Fail("POWR 1", "ERR4")
		if err := c.SetPower(ctxT(t), true); !errors.Is(err, pjlink.ErrFailure) {
			t.Fatalf("SetPower against ERR4 = %v", err)
		}
	})
	t.Run("wait for cool-down", func(t *testing.T) {
		p, c := start(t, "", nil)
		p.SetPower(2)
		if err := c.WaitPower(ctxT(t), pjlink.PowerOff); err != nil || p.Power() != 0 {
			t.Fatalf("WaitPower(off) = %v, state %d", err, p.Power())
		}
	})
}

func TestMuteAndInput(t *testing.T) {
	p, c := start(t, "pw", nil)
	p.SetPower(1)
	if err := c.SetMute(ctxT(t), true); err != nil || p.Mute() != "31" {
		t.Fatalf("SetMute(true) = %v, AVMT %s", err, p.Mute())
	}
	if err := c.SetInput(ctxT(t), "11"); err != nil || p.Input() != "11" {
		t.Fatalf("SetInput(11) = %v, INPT %s", err, p.Input())
	}
	if name, err := c.Name(ctxT(t)); err != nil || name != "fake projector" {
		t.Fatalf("Name = %q, %v", name, err)
	}
}

func count(log []string, s string) int {
	n := 0
	for _, l := range log {
		if l == s {
			n++
		}
	}
	return n
}
