package localworld

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// CA is the local world's certificate authority: a self-signed root and
// one server certificate it signed for 127.0.0.1 and localhost, which the
// load balancers serve. Clients trust the root alone (CertFile), never the
// system's roots, so a certificate it did not sign fails as it would on AWS.
type CA struct {
	// CertFile is the root certificate (PEM): what clients trust, for
	// example with curl --cacert or the integration suite's APP_CA_FILE.
	CertFile string
	// ServerFile is the server certificate followed by its key (PEM), the
	// form HAProxy's crt takes. It is readable by its owner only.
	ServerFile string
}

// NewCA creates a root and a server certificate under dir, valid for a
// week (a kept world is recreated long before). The root's key is not
// written anywhere: nothing can be signed by it later.
func NewCA(dir string) (CA, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return CA{}, fmt.Errorf("creating the CA directory: %w", err)
	}
	now := time.Now()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return CA{}, fmt.Errorf("generating the CA key: %w", err)
	}
	root := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "gangway local world CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, &rootKey.PublicKey, rootKey)
	if err != nil {
		return CA{}, fmt.Errorf("signing the CA certificate: %w", err)
	}
	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return CA{}, fmt.Errorf("generating the server key: %w", err)
	}
	server := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, server, root, &serverKey.PublicKey, rootKey)
	if err != nil {
		return CA{}, fmt.Errorf("signing the server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(serverKey)
	if err != nil {
		return CA{}, fmt.Errorf("encoding the server key: %w", err)
	}
	ca := CA{CertFile: filepath.Join(dir, "ca.pem"), ServerFile: filepath.Join(dir, "server.pem")}
	rootPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER})
	serverPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverDER}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	if err := os.WriteFile(ca.CertFile, rootPEM, 0o644); err != nil {
		return CA{}, fmt.Errorf("writing the CA certificate: %w", err)
	}
	if err := os.WriteFile(ca.ServerFile, serverPEM, 0o600); err != nil {
		return CA{}, fmt.Errorf("writing the server certificate: %w", err)
	}
	return ca, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// Pool reads the root into a pool that holds it alone.
func (ca CA) Pool() (*x509.CertPool, error) {
	data, err := os.ReadFile(ca.CertFile)
	if err != nil {
		return nil, fmt.Errorf("reading the local CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, errors.New("the local CA file " + ca.CertFile + " holds no certificate")
	}
	return pool, nil
}

// Client returns an HTTP client that trusts the root alone, with TLS 1.2
// at least, as the load balancers serve.
func (ca CA) Client(timeout time.Duration) (*http.Client, error) {
	pool, err := ca.Pool()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: timeout, Transport: tr}, nil
}
