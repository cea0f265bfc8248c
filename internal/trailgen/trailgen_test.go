package trailgen

import (
	"crypto/sha256"
	"sort"
	"strings"
	"sync"
	"testing"
)

type memSink struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (m *memSink) Put(p string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[p] = data
	return nil
}

func (m *memSink) digest() [32]byte {
	var names []string
	for n := range m.files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write(m.files[n])
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

func TestDeterministicSizedAndLaidOut(t *testing.T) {
	cfg := Config{Seed: 9, Size: 1 << 20, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1"}, Org: "o-abcdef1234", Digests: true}
	a, b := &memSink{files: map[string][]byte{}}, &memSink{files: map[string][]byte{}}
	ma, err := Generate(cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 1 // parallelism must not change the output
	mb, err := Generate(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	if a.digest() != b.digest() || ma.Attack.Key != mb.Attack.Key || ma.Records != mb.Records {
		t.Fatal("the same seed wrote different archives")
	}
	if ma.Bytes < cfg.Size || ma.Files+ma.DigestFiles != len(a.files) || ma.Attack.Events <= ma.Attack.SignedByKey-1 || len(ma.Attack.SessionKeys) != 3 {
		t.Fatalf("manifest %+v", ma)
	}
	for p := range a.files {
		if !strings.HasPrefix(p, "AWSLogs/o-abcdef1234/") || !(strings.Contains(p, "/CloudTrail/") || strings.Contains(p, "/CloudTrail-Digest/")) {
			t.Fatalf("path %s is not in the organisation trail layout", p)
		}
	}
	for _, size := range []string{"1GB", "512MB", "64MiB", "2k"} {
		if _, err := ParseSize(size); err != nil {
			t.Errorf("%s: %v", size, err)
		}
	}
	if _, err := ParseSize("lots"); err == nil {
		t.Error("ParseSize accepted nonsense")
	}
}
