package boottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/atomicfile"
	"github.com/cuecast/cuecast/edge/update"
)

// spoolDir is where cuecastd takes uploads; an upload in progress is a
// temporary file named by atomicfile next to update.PendingName.
const spoolDir = update.DefaultSpoolDir

var uploadTemp = "^" + regexp.QuoteMeta(atomicfile.TempPrefix(update.PendingName))

// httpUpdateRefusals sends POST /api/v1/update everything that must be
// refused and checks that none of it wrote anything: no upload left in the
// spool, nothing queued, slot b and the ESP's entries and kernels unchanged.
// The cases: a wrong token (401), a bundle signed by another key and one
// whose root does not match its manifest (400 bundle_rejected), the good
// bundle cut in half (400: a file that was truncated before upload), and
// the good bundle whose upload stops half way and whose connection then
// drops (the client never gets an answer; the daemon must clean up).
func (v *vm) httpUpdateRefusals(token string) {
	v.t.Helper()
	before := v.slotState()
	badSig, wrongHash := badBundles(v.t, v.dir)
	for name, b := range map[string][]byte{"bad signature": badSig, "wrong hash": wrongHash} {
		code, body := v.post(token, bytes.NewReader(b))
		if code != http.StatusBadRequest || !strings.Contains(body, update.CodeBundleRejected) {
			v.t.Errorf("POST /api/v1/update (%s) = %d %s, want 400 %s", name, code, body, update.CodeBundleRejected)
		}
	}
	if code, body := v.post("wrong-token", bytes.NewReader(badSig)); code != http.StatusUnauthorized {
		v.t.Errorf("POST /api/v1/update with a wrong token = %d %s, want 401", code, body)
	}

	good, err := os.ReadFile(filepath.Join(v.dir, "good.bundle"))
	if err != nil {
		v.t.Fatal(err)
	}
	half := good[:len(good)/2]
	if code, body := v.post(token, bytes.NewReader(half)); code != http.StatusBadRequest || !strings.Contains(body, update.CodeBundleRejected) {
		v.t.Errorf("POST /api/v1/update (bundle truncated to %d of %d bytes) = %d %s, want 400 %s", len(half), len(good), code, body, update.CodeBundleRejected)
	}

	// Cut mid-upload: announce the whole bundle, send half, hang up.
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", v.port), 10*time.Second)
	if err != nil {
		v.t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/update HTTP/1.1\r\nHost: cuecast\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", token, len(good))
	conn.SetWriteDeadline(time.Now().Add(5 * time.Minute))
	if _, err := io.Copy(conn, bytes.NewReader(half)); err != nil {
		v.t.Errorf("cut upload: sending the first half: %v", err)
	}
	// The upload is in progress while its temporary file exists; seeing it
	// proves the daemon took the request before the cut.
	if out, rc := v.con.run(fmt.Sprintf("for i in $(seq 60); do ls -A %s | grep -q '%s' && exit 0; sleep 1; done; ls -lA %s; exit 1", spoolDir, uploadTemp, spoolDir), 2*time.Minute); rc != 0 {
		v.t.Errorf("cut upload: no upload in progress in %s after half the bundle was sent:\n%s", spoolDir, out)
	}
	conn.Close()
	// The daemon sees the connection end, fails the copy and removes the
	// temporary file: wait for exactly that.
	if out, rc := v.con.run(fmt.Sprintf("for i in $(seq 120); do ls -A %s | grep -q '%s' || exit 0; sleep 1; done; ls -lA %s; exit 1", spoolDir, uploadTemp, spoolDir), 3*time.Minute); rc != 0 {
		v.t.Errorf("cut upload: the partial upload was left in %s:\n%s", spoolDir, out)
	}
	if out := v.con.must("journalctl -u cuecastd -o cat --no-pager | grep -a 'update' | tail -n 3", shortCommand); out != "" {
		v.t.Logf("cuecastd on the refused uploads:\n%s", strings.TrimSpace(out))
	}

	if st := v.updateStatus(); st.State == "queued" || st.State == "installing" || st.State == "installed" {
		v.t.Errorf("after refused uploads GET /api/v1/update = %+v, want nothing queued", st)
	}
	if out := v.con.must(fmt.Sprintf("ls -A %s 2>/dev/null | grep -v '^status.json$' || true", spoolDir), shortCommand); strings.TrimSpace(out) != "" {
		v.t.Errorf("refused uploads left files in %s: %s", spoolDir, out)
	}
	if after := v.slotState(); after != before {
		v.t.Errorf("refused uploads changed slot b or the ESP:\nbefore %s\nafter %s", before, after)
	}
}

// slotState: what an install would change (slot b's first 4 MiB, the ESP's
// entries and slot b's kernel directory).
func (v *vm) slotState() string {
	return v.con.must("head -c 4M /dev/disk/by-partlabel/cuecast-root-b | sha256sum; ls /efi/loader/entries /efi/cuecast/b", shortCommand)
}

func (v *vm) updateStatus() update.Status {
	var st update.Status
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/update", v.port))
	if err != nil {
		v.t.Errorf("GET /api/v1/update: %v", err)
		return st
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		v.t.Errorf("GET /api/v1/update: %v", err)
	}
	return st
}
