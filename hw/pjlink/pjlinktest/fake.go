// Package pjlinktest is a fake PJLink class 1 projector on a loopback TCP
// port, for tests: authentication, power with warm-up and cool-down on an
// injected clock, inputs, mute, error status, lamps, injected ERRn answers,
// stalls and hang-ups.
//
// Concurrency: all methods are safe for concurrent use; the projector serves
// each connection on its own goroutine, all of which Close stops and waits for.
package pjlinktest

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Projector is the fake. Configure the exported fields before Start.
type Projector struct {
	// Password enables authentication when not empty.
	Password string
	// Random is the greeting's 8 hex digits (fixed so digests are known).
	Random string
	// Name answers NAME ?.
	Name string
	// WarmUp and CoolDown are how long POWR 1 and POWR 0 take, on Clock.
	WarmUp, CoolDown time.Duration
	Clock            clockwork.Clock
	// Inputs the projector has ("11", "31", ...).
	Inputs []string

	ln net.Listener
	wg sync.WaitGroup

	mu         sync.Mutex // guards everything below
	power      int        // 0 off, 1 on (stable target once the transition ends)
	transition int        // 0 none, 2 cooling, 3 warming
	until      time.Time  // end of the transition
	input      string
	mute       string
	erst       string
	lampHours  int
	noLamp     bool
	fail       map[string]string // "CMND" or "CMND param" -> ERRn answer, until cleared
	stall      bool
	closeAfter int // hang up after this many commands per connection (0 = never)
	conns      int
	log        []string
	open       map[net.Conn]struct{}
}

// New returns a projector that is off, with no errors.
func New() *Projector {
	return &Projector{
		Random:   "498e4a67",
		Name:     "fake projector",
		WarmUp:   30 * time.Second,
		CoolDown: 60 * time.Second,
		Clock:    clockwork.NewFakeClock(),
		Inputs:   []string{"11", "31", "32"},
		input:    "31",
		mute:     "30",
		erst:     "000000",
		fail:     map[string]string{},
		open:     map[net.Conn]struct{}{},
	}
}

// Start listens on 127.0.0.1 and returns the address.
func (p *Projector) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	p.ln = ln
	p.wg.Add(1)
	go p.accept()
	return ln.Addr().String(), nil
}

// Close stops listening, hangs up every connection and waits for them.
func (p *Projector) Close() {
	if p.ln != nil {
		p.ln.Close()
	}
	p.mu.Lock()
	for c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Projector) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns++
		p.open[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Projector) serve(c net.Conn) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.open, c)
		p.mu.Unlock()
		c.Close()
	}()
	digest := ""
	if p.Password != "" {
		fmt.Fprintf(c, "PJLINK 1 %s\r", p.Random)
		sum := md5.Sum([]byte(p.Random + p.Password))
		digest = hex.EncodeToString(sum[:])
	} else {
		fmt.Fprint(c, "PJLINK 0\r")
	}
	r := bufio.NewReader(c)
	for n := 1; ; n++ {
		line, err := r.ReadString('\r')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\r")
		if digest != "" {
			if !strings.HasPrefix(line, digest) {
				p.record("ERRA " + line)
				fmt.Fprint(c, "PJLINK ERRA\r")
				return
			}
			line = line[len(digest):]
		}
		p.record(line)
		p.mu.Lock()
		stall, closeAfter := p.stall, p.closeAfter
		p.mu.Unlock()
		if stall {
			// Read on until the client gives up and hangs up.
			for {
				if _, err := r.ReadString('\r'); err != nil {
					return
				}
			}
		}
		fmt.Fprint(c, p.answer(line)+"\r")
		if closeAfter > 0 && n >= closeAfter {
			return
		}
	}
}

func (p *Projector) record(line string) {
	p.mu.Lock()
	p.log = append(p.log, line)
	p.mu.Unlock()
}

// settle ends a transition whose time has come. Call with mu held.
func (p *Projector) settle() {
	if p.transition != 0 && !p.Clock.Now().Before(p.until) {
		p.transition = 0
	}
}

// state returns the POWR answer. Call with mu held.
func (p *Projector) state() int {
	p.settle()
	if p.transition != 0 {
		return p.transition
	}
	return p.power
}

func (p *Projector) answer(line string) string {
	if len(line) < 7 || !strings.HasPrefix(line, "%1") || line[6] != ' ' {
		return "%1" + safeCmd(line) + "=ERR1"
	}
	cmd, param := line[2:6], line[7:]
	p.mu.Lock()
	defer p.mu.Unlock()
	res := func(s string) string { return "%1" + cmd + "=" + s }
	if code, ok := p.fail[cmd+" "+param]; ok {
		return res(code)
	}
	if code, ok := p.fail[cmd]; ok {
		return res(code)
	}
	st := p.state()
	switch cmd {
	case "POWR":
		switch param {
		case "?":
			return res(fmt.Sprint(st))
		case "0", "1":
			if st == 2 || st == 3 {
				return res("ERR3") // no power command inside a transition
			}
			want := int(param[0] - '0')
			if want != p.power {
				p.power = want
				if want == 1 {
					p.transition, p.until = 3, p.Clock.Now().Add(p.WarmUp)
				} else {
					p.transition, p.until = 2, p.Clock.Now().Add(p.CoolDown)
				}
			}
			return res("OK")
		}
		return res("ERR2")
	case "INPT":
		if param == "?" {
			if st != 1 {
				return res("ERR3")
			}
			return res(p.input)
		}
		for _, in := range p.Inputs {
			if in == param {
				if st != 1 {
					return res("ERR3")
				}
				p.input = param
				return res("OK")
			}
		}
		return res("ERR2")
	case "AVMT":
		switch param {
		case "?":
			return res(p.mute)
		case "10", "11", "20", "21", "30", "31":
			if st != 1 {
				return res("ERR3")
			}
			p.mute = param
			return res("OK")
		}
		return res("ERR2")
	case "ERST":
		if param != "?" {
			return res("ERR2")
		}
		return res(p.erst)
	case "LAMP":
		if param != "?" {
			return res("ERR2")
		}
		if p.noLamp {
			return res("ERR1")
		}
		on := 0
		if st == 1 {
			on = 1
		}
		return res(fmt.Sprintf("%d %d", p.lampHours, on))
	case "NAME":
		if param != "?" {
			return res("ERR2")
		}
		return res(p.Name)
	}
	return res("ERR1")
}

func safeCmd(line string) string {
	if len(line) >= 6 && strings.HasPrefix(line, "%1") {
		return line[2:6]
	}
	return "????"
}

// SetPower puts the projector in state 0..3 directly (2 and 3 last CoolDown
// and WarmUp from now).
func (p *Projector) SetPower(state int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch state {
	case 0, 1:
		p.power, p.transition = state, 0
	case 2:
		p.power, p.transition, p.until = 0, 2, p.Clock.Now().Add(p.CoolDown)
	case 3:
		p.power, p.transition, p.until = 1, 3, p.Clock.Now().Add(p.WarmUp)
	}
}

// Power returns the POWR answer now.
func (p *Projector) Power() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state()
}

// Input returns the selected input; Mute the AVMT state.
func (p *Projector) Input() string { p.mu.Lock(); defer p.mu.Unlock(); return p.input }
func (p *Projector) Mute() string  { p.mu.Lock(); defer p.mu.Unlock(); return p.mute }

// SetErrors sets the ERST answer (six digits fan, lamp, temp, cover, filter, other).
func (p *Projector) SetErrors(erst string) { p.mu.Lock(); p.erst = erst; p.mu.Unlock() }

// SetLamp sets the lamp hours; noLamp makes LAMP answer ERR1 (laser models).
func (p *Projector) SetLamp(hours int, noLamp bool) {
	p.mu.Lock()
	p.lampHours, p.noLamp = hours, noLamp
	p.mu.Unlock()
}

// Fail makes cmd answer code ("ERR4") until Fail(cmd, ""). cmd is a command
// ("POWR": every POWR) or a command and parameter ("POWR 1": only that).
func (p *Projector) Fail(cmd, code string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if code == "" {
		delete(p.fail, cmd)
		return
	}
	p.fail[cmd] = code
}

// Stall makes the projector greet and then never answer.
func (p *Projector) Stall(on bool) { p.mu.Lock(); p.stall = on; p.mu.Unlock() }

// CloseAfter makes the projector hang up after n commands on a connection.
func (p *Projector) CloseAfter(n int) { p.mu.Lock(); p.closeAfter = n; p.mu.Unlock() }

// Conns returns how many connections were accepted.
func (p *Projector) Conns() int { p.mu.Lock(); defer p.mu.Unlock(); return p.conns }

// Log returns the commands received, without digests ("ERRA ..." for a
// rejected one).
func (p *Projector) Log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// Addr returns the listening address (after Start).
func (p *Projector) Addr() string { return p.ln.Addr().String() }
