package cmdspec

import (
	"os"
	"testing"

	"github.com/cairndb/cairn/cmdspec/internal/redistest"
	"github.com/cairndb/cairn/resp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	redistest.Stop()
	os.Exit(code)
}

// ours runs Command as if a client speaking proto sent args.
func ours(proto int, implemented func(*Spec) bool, args ...string) []byte {
	w := resp.NewWriter()
	w.SetProto(proto)
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	Command(w, b, implemented)
	return w.Bytes()
}
