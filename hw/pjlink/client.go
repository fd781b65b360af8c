package pjlink

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// Port is the PJLink TCP port.
const Port = "4352"

// maxLine bounds an answer: class 1 answers are at most 136 bytes with the
// terminator. A longer line is not PJLink.
const maxLine = 160

// Client talks to one projector.
type Client struct {
	addr     string
	password string
	// Timeout bounds one connection attempt and each answer.
	Timeout time.Duration
	// RetryInterval is how long SetPower waits between looks at a projector
	// that is warming or cooling, or that answered ERR3.
	RetryInterval time.Duration
	// Sleep waits d or until ctx ends; tests replace it to drive a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// Dial opens the connection; tests may replace it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a client for addr ("host" or "host:port", port 4352 when
// absent) with the given password ("" when the projector has none).
func New(addr, password string) *Client {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, Port)
	}
	var d net.Dialer
	return &Client{
		addr:          addr,
		password:      password,
		Timeout:       5 * time.Second,
		RetryInterval: 2 * time.Second,
		Sleep:         sleep,
		Dial:          d.DialContext,
	}
}

// Addr returns host:port.
func (c *Client) Addr() string { return c.addr }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// conn is one authenticated connection.
type conn struct {
	c      *Client
	nc     net.Conn
	r      *bufio.Reader
	digest string // "" without authentication
}

// session runs f over one connection; calls inside f redial once when the
// projector hung up between commands.
func (c *Client) session(ctx context.Context, f func(s *conn) error) error {
	s := &conn{c: c}
	defer s.close()
	if err := s.open(ctx); err != nil {
		return err
	}
	return f(s)
}

func (s *conn) close() {
	if s.nc != nil {
		s.nc.Close()
		s.nc = nil
	}
}

func (s *conn) open(ctx context.Context) error {
	c := s.c
	dctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	nc, err := c.Dial(dctx, "tcp", c.addr)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("pjlink: connect %s: %w", c.addr, ctx.Err())
		}
		return fmt.Errorf("pjlink: projector %s %w: %w: check address/cable, that the projector has mains power and that PJLink (network control) is enabled in its menu", c.addr, ErrUnreachable, err)
	}
	s.nc = nc
	s.r = bufio.NewReaderSize(nc, 256)
	// A cancelled ctx aborts a read or write in progress.
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
	defer stop()
	line, err := s.readLine(ctx)
	if err != nil {
		s.close()
		return fmt.Errorf("pjlink: %s greeting: %w", c.addr, err)
	}
	switch {
	case line == "PJLINK 0":
		s.digest = ""
	case strings.HasPrefix(line, "PJLINK 1 ") && len(line) == len("PJLINK 1 ")+8:
		random := line[len("PJLINK 1 "):]
		if c.password == "" {
			s.close()
			return fmt.Errorf("pjlink: %s: %w: the projector asks for a password and none is configured: set hw.projector.password_file", c.addr, ErrAuth)
		}
		sum := md5.Sum([]byte(random + c.password))
		s.digest = hex.EncodeToString(sum[:])
	case line == "PJLINK ERRA":
		s.close()
		return fmt.Errorf("pjlink: %s: %w: check the password", c.addr, ErrAuth)
	default:
		s.close()
		return fmt.Errorf("pjlink: %s greeting %q: %w: is this port a PJLink projector?", c.addr, line, ErrProtocol)
	}
	return nil
}

func (s *conn) readLine(ctx context.Context) (string, error) {
	s.nc.SetReadDeadline(time.Now().Add(s.c.Timeout))
	// A cancellation that fired before the line above had its deadline
	// overwritten: look again now that ours is set.
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var b []byte
	for {
		chunk, err := s.r.ReadSlice('\r')
		b = append(b, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) && len(b) <= maxLine {
			continue
		}
		if len(b) > maxLine {
			return "", fmt.Errorf("answer longer than %d bytes: %w", maxLine, ErrProtocol)
		}
		return "", s.ioErr(ctx, err)
	}
	if len(b) > maxLine {
		return "", fmt.Errorf("answer longer than %d bytes: %w", maxLine, ErrProtocol)
	}
	return strings.TrimSuffix(string(b), "\r"), nil
}

func (s *conn) ioErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w after %v: the projector accepted the connection but did not answer", ErrTimeout, s.c.Timeout)
	}
	return err
}

// hungUp reports an error that means the projector closed the connection
// before this command: a redial may cure it.
func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// do sends "%1<cmd> <param>" and returns the answer after "=". An ERRn answer
// is a *CommandError. If the projector hung up since the previous command in
// this session the command is sent once more on a new connection. The resend
// is safe because every class 1 command is idempotent: a query, or a set to
// an absolute value (POWR 1, INPT 31, AVMT 30).
func (s *conn) do(ctx context.Context, cmd, param string) (string, error) {
	ans, err := s.try(ctx, cmd, param)
	if err != nil && hungUp(err) && ctx.Err() == nil {
		s.close()
		if oerr := s.open(ctx); oerr != nil {
			return "", oerr
		}
		ans, err = s.try(ctx, cmd, param)
	}
	if err != nil {
		var ce *CommandError
		if errors.As(err, &ce) || errors.Is(err, ErrAuth) {
			return "", err
		}
		return "", fmt.Errorf("pjlink: %s: %%1%s %s: %w", s.c.addr, cmd, param, err)
	}
	return ans, nil
}

func (s *conn) try(ctx context.Context, cmd, param string) (string, error) {
	if s.nc == nil {
		return "", net.ErrClosed
	}
	stop := context.AfterFunc(ctx, func() { s.nc.SetDeadline(time.Now()) })
	defer stop()
	line := s.digest + "%1" + cmd + " " + param + "\r"
	s.nc.SetWriteDeadline(time.Now().Add(s.c.Timeout))
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := io.WriteString(s.nc, line); err != nil {
		return "", s.ioErr(ctx, err)
	}
	ans, err := s.readLine(ctx)
	if err != nil {
		return "", err
	}
	if ans == "PJLINK ERRA" {
		s.close() // the projector hangs up after ERRA
		return "", fmt.Errorf("pjlink: %s: %w: check hw.projector.password(_file)", s.c.addr, ErrAuth)
	}
	prefix := "%1" + cmd + "="
	if !strings.HasPrefix(ans, prefix) {
		return "", fmt.Errorf("answer %q to %%1%s: %w", ans, cmd, ErrProtocol)
	}
	res := ans[len(prefix):]
	if len(res) == 4 && strings.HasPrefix(res, "ERR") {
		return "", &CommandError{Addr: s.c.addr, Command: cmd + " " + param, Code: res}
	}
	return res, nil
}

// set sends a command whose success answer is "OK".
func (s *conn) set(ctx context.Context, cmd, param string) error {
	ans, err := s.do(ctx, cmd, param)
	if err != nil {
		return err
	}
	if ans != "OK" {
		return fmt.Errorf("pjlink: %s: %%1%s %s answered %q: %w", s.c.addr, cmd, param, ans, ErrProtocol)
	}
	return nil
}

// Command sends one raw command ("INPT", "31") and returns the answer after
// "=". For the CLI and diagnostics.
func (c *Client) Command(ctx context.Context, cmd, param string) (string, error) {
	var ans string
	err := c.session(ctx, func(s *conn) error {
		var err error
		ans, err = s.do(ctx, cmd, param)
		return err
	})
	return ans, err
}

// Power reads the power state.
func (c *Client) Power(ctx context.Context) (Power, error) {
	ans, err := c.Command(ctx, "POWR", "?")
	if err != nil {
		return 0, err
	}
	p, err := parsePower(ans)
	if err != nil {
		return 0, fmt.Errorf("pjlink: %s: %w", c.addr, err)
	}
	return p, nil
}

// Name reads the projector's name (NAME ?).
func (c *Client) Name(ctx context.Context) (string, error) {
	return c.Command(ctx, "NAME", "?")
}

// SetInput selects an input ("31" = digital 1).
func (c *Client) SetInput(ctx context.Context, input string) error {
	return c.session(ctx, func(s *conn) error { return s.set(ctx, "INPT", input) })
}

// SetMute mutes (or unmutes) picture and sound together (AVMT 31 / 30).
func (c *Client) SetMute(ctx context.Context, on bool) error {
	p := "30"
	if on {
		p = "31"
	}
	return c.session(ctx, func(s *conn) error { return s.set(ctx, "AVMT", p) })
}

// Status reads power, error status, lamps and input over one connection.
// Lamps and input are left empty when the projector cannot say (ERR3 in
// standby, ERR1 for a laser projector without LAMP).
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.session(ctx, func(s *conn) error {
		ans, err := s.do(ctx, "POWR", "?")
		if err != nil {
			return err
		}
		if st.Power, err = parsePower(ans); err != nil {
			return fmt.Errorf("pjlink: %s: %w", c.addr, err)
		}
		if ans, err = s.do(ctx, "ERST", "?"); err != nil {
			return err
		}
		if st.Errors, err = parseErrors(ans); err != nil {
			return fmt.Errorf("pjlink: %s: %w", c.addr, err)
		}
		if ans, err = s.do(ctx, "LAMP", "?"); err == nil {
			if st.Lamps, err = parseLamps(ans); err != nil {
				return fmt.Errorf("pjlink: %s: %w", c.addr, err)
			}
		} else if !optional(err) {
			return err
		}
		if ans, err = s.do(ctx, "INPT", "?"); err == nil {
			st.Input = ans
		} else if !optional(err) {
			return err
		}
		return nil
	})
	return st, err
}

func optional(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUndefined)
}

// SetPower turns the projector on or off. It never sends a power command
// into a transition: a projector warming up when asked off (or cooling down
// when asked on) is waited for, RetryInterval at a time, as is an ERR3. A
// projector already warming when asked on (cooling when asked off) counts as
// done. It returns when the command was accepted or ctx ends.
func (c *Client) SetPower(ctx context.Context, on bool) error {
	want, param := PowerOff, "0"
	if on {
		want, param = PowerOn, "1"
	}
	for {
		p, err := c.Power(ctx)
		if err != nil {
			return err
		}
		switch {
		case p == want, on && p == PowerWarming, !on && p == PowerCooling:
			return nil
		case p.Transitioning():
			// The other direction: wait it out.
		default:
			err := c.session(ctx, func(s *conn) error { return s.set(ctx, "POWR", param) })
			if err == nil {
				return nil
			}
			if !errors.Is(err, ErrUnavailable) {
				return err
			}
		}
		if err := c.Sleep(ctx, c.RetryInterval); err != nil {
			return fmt.Errorf("pjlink: %s: power %s: projector still %v: %w", c.addr, Power(want), p, err)
		}
	}
}

// WaitPower polls until the projector reports want (PowerOff after cooling
// down, say) or ctx ends.
func (c *Client) WaitPower(ctx context.Context, want Power) error {
	for {
		p, err := c.Power(ctx)
		if err != nil {
			return err
		}
		if p == want {
			return nil
		}
		if err := c.Sleep(ctx, c.RetryInterval); err != nil {
			return fmt.Errorf("pjlink: %s: waiting for %v: projector still %v: %w", c.addr, want, p, err)
		}
	}
}
