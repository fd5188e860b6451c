package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/server"
)

// pki is a throwaway certificate authority with a server and a client
// certificate, as PEM files.
type pki struct {
	dir                                                  string
	caCert, serverCert, serverKey, clientCert, clientKey string
}

func newPKI(t *testing.T, name string) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.caCert = p.write(t, "ca.crt", "CERTIFICATE", caDER)
	caParsed, _ := x509.ParseCertificate(caDER)
	issue := func(file string, serial int64, usage x509.ExtKeyUsage) (string, string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: file},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caParsed, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		return p.write(t, file+".crt", "CERTIFICATE", der), p.write(t, file+".key", "EC PRIVATE KEY", keyDER)
	}
	p.serverCert, p.serverKey = issue("server", 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = issue("client", 3, x509.ExtKeyUsageClientAuth)
	return p
}

func (p *pki) write(t *testing.T, name, kind string, der []byte) string {
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// redisCLI runs redis-cli over TLS and returns its output, or "error:"
// and the output when it fails.
func redisCLI(t *testing.T, port int, args ...string) string {
	t.Helper()
	out, err := exec.Command("redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "--tls"}, args...)...).CombinedOutput()
	s := strings.TrimSpace(string(out))
	if err != nil || strings.Contains(s, "Could not connect") || strings.Contains(s, "Error") {
		return "error"
	}
	return s
}

// TLS on tls-port, tested with redis-cli --tls against Cairn and a real
// Redis configured the same way: with tls-auth-clients yes a client
// certificate signed by the CA is required, optional accepts a client
// without one (but not one with a foreign certificate), no accepts any.
func TestTLSWithRedisCLI(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli is not installed: TLS test skipped (apt-get install redis-tools)")
	}
	good, rogue := newPKI(t, "cairn-test"), newPKI(t, "rogue")
	withCert := []string{"--cacert", good.caCert, "--cert", good.clientCert, "--key", good.clientKey}
	noCert := []string{"--cacert", good.caCert}
	rogueCert := []string{"--cacert", good.caCert, "--cert", rogue.clientCert, "--key", rogue.clientKey}
	wrongCA := []string{"--cacert", rogue.caCert, "--cert", good.clientCert, "--key", good.clientKey}
	for _, mode := range []string{"yes", "optional", "no"} {
		t.Run(mode, func(t *testing.T) {
			tlsCfg, err := server.TLSConfig(server.TLSSettings{CertFile: good.serverCert, KeyFile: good.serverKey,
				CACertFile: good.caCert, AuthClients: mode})
			if err != nil {
				t.Fatal(err)
			}
			cairnPort, cairnTLS := cairntest.FreePort(t), cairntest.FreePort(t)
			startServer(t, server.Options{Binds: []string{"127.0.0.1"}, Port: cairnPort, TLSPort: cairnTLS, TLS: tlsCfg})
			redisTLS := cairntest.FreePort(t)
			cairntest.StartRedis(t, "--tls-port", strconv.Itoa(redisTLS), "--tls-cert-file", good.serverCert,
				"--tls-key-file", good.serverKey, "--tls-ca-cert-file", good.caCert, "--tls-auth-clients", mode)
			for _, tc := range []struct {
				name    string
				args    []string
				accepts bool
			}{{"client certificate", withCert, true}, {"no client certificate", noCert, mode != "yes"},
				{"foreign client certificate", rogueCert, mode == "no"}, {"server not trusted", wrongCA, false}} {
				for _, cmd := range [][]string{{"ping"}, {"set", "k", "v"}, {"get", "k"}} {
					want := redisCLI(t, redisTLS, append(tc.args, cmd...)...)
					got := redisCLI(t, cairnTLS, append(tc.args, cmd...)...)
					if got != want || (got != "error") != tc.accepts {
						t.Errorf("%s, %q: redis-cli says %q to Redis, %q to Cairn (should accept: %v)", tc.name, cmd, want, got, tc.accepts)
					}
				}
			}
			// The plain port stays plain.
			if got := cairntest.Dial(t, "127.0.0.1:"+strconv.Itoa(cairnPort)).Do("ping"); got != "+PONG\r\n" {
				t.Errorf("plain port: %q", got)
			}
		})
	}
}

// The TLS listener speaks only the configured protocol versions and the
// connection's file descriptor shows in CLIENT LIST.
func TestTLSProtocolsAndClientList(t *testing.T) {
	p := newPKI(t, "cairn-test")
	tlsCfg, err := server.TLSConfig(server.TLSSettings{CertFile: p.serverCert, KeyFile: p.serverKey,
		AuthClients: "no", Protocols: "TLSv1.3"})
	if err != nil {
		t.Fatal(err)
	}
	port := cairntest.FreePort(t)
	startServer(t, server.Options{Binds: []string{"127.0.0.1"}, TLSPort: port, TLS: tlsCfg})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(p.caCert)
	pool.AppendCertsFromPEM(ca)
	if c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12}); err == nil {
		c.Close()
		t.Error("a TLS 1.2 client was accepted with tls-protocols TLSv1.3")
	}
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("CLIENT LIST\r\n"))
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := c.Read(buf)
	if !strings.Contains(string(buf[:n]), " fd=") || strings.Contains(string(buf[:n]), " fd=-1 ") {
		t.Errorf("CLIENT LIST over TLS: %q", buf[:n])
	}
}

// Misconfigurations get Redis's messages.
func TestTLSConfigErrors(t *testing.T) {
	p := newPKI(t, "cairn-test")
	for _, tc := range []struct {
		s    server.TLSSettings
		want string
	}{
		{server.TLSSettings{}, "No tls-cert-file configured!"},
		{server.TLSSettings{CertFile: p.serverCert}, "No tls-key-file configured!"},
		{server.TLSSettings{CertFile: p.serverCert, KeyFile: p.serverKey, AuthClients: "yes"}, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"},
		{server.TLSSettings{CertFile: p.serverCert, KeyFile: p.serverKey, AuthClients: "no", Protocols: "SSLv3"}, "Invalid tls-protocols specified. Use a combination of 'TLSv1.2' and 'TLSv1.3'."},
	} {
		if _, err := server.TLSConfig(tc.s); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v, want %q", tc.s, err, tc.want)
		}
	}
	if _, err := server.TLSConfig(server.TLSSettings{CertFile: p.serverCert, KeyFile: p.serverKey, CACertDir: p.dir}); err != nil {
		t.Errorf("tls-ca-cert-dir: %v", err)
	}
}
