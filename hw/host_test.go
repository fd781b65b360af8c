package hw

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestPinHints(t *testing.T) {
	denied := func(string) error { return fmt.Errorf("open: %w", fs.ErrPermission) }
	fine := func(string) error { return nil }
	for _, tc := range []struct {
		name  string
		chips []string
		open  func(string) error
		want  string
	}{
		{"no chip", nil, fine, "no GPIO chip (no /dev/gpiochip*): is the gpio-cdev driver loaded"},
		{"denied", []string{"/dev/gpiochip0"}, denied, "open /dev/gpiochip0: permission denied: is cuecastd in group gpio?"},
		{"unknown", []string{"/dev/gpiochip0"}, fine, `GPIO pin "GPIO99" not found among 54 lines on /dev/gpiochip0: run 'cuecast hw list'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pinHint("GPIO99", tc.chips, 54, tc.open)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("pinHint = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSPIHints(t *testing.T) {
	err := spiHint("/dev/spidev0.0", errors.New("sysfs-spi: open /dev/spidev0.0: permission denied"))
	if want := "open /dev/spidev0.0: permission denied: is cuecastd in group spi? see systemd/60-cuecast.rules"; !strings.Contains(err.Error(), want) {
		t.Fatalf("spiHint = %v, want %q", err, want)
	}
}

// On this machine (a CI container) there is usually no SPI and no GPIO: Init
// must still succeed and the opens must fail with the explanations.
func TestInitWithoutHardware(t *testing.T) {
	inv, err := Init()
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.SPIPorts) == 0 {
		if _, err := OpenSPI("/dev/spidev0.0"); err == nil || !strings.Contains(err.Error(), "no SPI port found") {
			t.Fatalf("OpenSPI without ports = %v", err)
		}
	}
	if _, err := OpenPin("NO_SUCH_PIN_CUECAST"); err == nil || !strings.Contains(err.Error(), "NO_SUCH_PIN_CUECAST") {
		t.Fatalf("OpenPin(unknown) = %v", err)
	}
}
