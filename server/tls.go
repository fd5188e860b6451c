package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TLSSettings are the tls-* directives.
type TLSSettings struct {
	CertFile, KeyFile string
	CACertFile        string
	CACertDir         string
	AuthClients       string // "yes", "no" or "optional"
	Protocols         string // "TLSv1.2 TLSv1.3"; empty for both
}

// TLSConfig builds the server side of TLS from the tls-* directives, as
// Redis's tls-port listener uses them: the server's certificate and key,
// the CA that client certificates must chain to, and whether clients must
// present one.
func TLSConfig(s TLSSettings) (*tls.Config, error) {
	if s.CertFile == "" {
		return nil, errors.New("No tls-cert-file configured!")
	}
	if s.KeyFile == "" {
		return nil, errors.New("No tls-key-file configured!")
	}
	cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("Failed to load certificate: %s: %v", s.CertFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if err := setProtocols(cfg, s.Protocols); err != nil {
		return nil, err
	}
	switch s.AuthClients {
	case "no":
		cfg.ClientAuth = tls.NoClientCert
	case "optional":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if cfg.ClientAuth != tls.NoClientCert {
		if s.CACertFile == "" && s.CACertDir == "" {
			return nil, errors.New("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!")
		}
		pool, err := loadCAs(s.CACertFile, s.CACertDir)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

// setProtocols applies tls-protocols ("TLSv1.2 TLSv1.3"). Go does not
// offer TLS 1.0 and 1.1 to servers any more, so only 1.2 and 1.3 are
// accepted.
func setProtocols(cfg *tls.Config, protocols string) error {
	if protocols == "" {
		return nil
	}
	var versions []uint16
	for _, p := range strings.Fields(protocols) {
		switch strings.ToLower(p) {
		case "tlsv1.2":
			versions = append(versions, tls.VersionTLS12)
		case "tlsv1.3":
			versions = append(versions, tls.VersionTLS13)
		default:
			return fmt.Errorf("Invalid tls-protocols specified. Use a combination of 'TLSv1.2' and 'TLSv1.3'.")
		}
	}
	cfg.MinVersion, cfg.MaxVersion = versions[0], versions[0]
	for _, v := range versions {
		cfg.MinVersion, cfg.MaxVersion = min(cfg.MinVersion, v), max(cfg.MaxVersion, v)
	}
	return nil
}

// loadCAs reads the CA certificates of tls-ca-cert-file and of every file
// in tls-ca-cert-dir.
func loadCAs(file, dir string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	files := []string{}
	if file != "" {
		files = append(files, file)
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("Failed to configure CA certificate(s) file/directory: %v", err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("Failed to configure CA certificate(s) file/directory: %v", err)
		}
		if !pool.AppendCertsFromPEM(pem) && f == file {
			return nil, fmt.Errorf("Failed to configure CA certificate(s) file/directory: no certificate in %s", f)
		}
	}
	return pool, nil
}
