package mailsmtp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/mailsmtp"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// envMailpit names the mailpit binary the test starts: a real SMTP server
// with a REST API to read what it received. .ci/run builds it.
const envMailpit = "ALERTANALYTICS_MAILPIT_BIN"

// freePort returns a port free on loopback a moment ago.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// mailpit starts the SMTP server, STARTTLS required, and returns its SMTP
// port, its API's base URL and the pool that trusts its certificate.
func mailpit(t *testing.T) (int, string, *x509.CertPool) {
	bin := os.Getenv(envMailpit)
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set and CI is: the e-mail test must run in CI", envMailpit)
		}
		t.Skipf("%s is not set: go install github.com/axllent/mailpit@v1.33.1 and point it at the binary", envMailpit)
	}
	dir := t.TempDir()
	certFile, keyFile, roots := selfSigned(t, dir)
	smtpPort, httpPort := freePort(t), freePort(t)
	cmd := exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, "mailpit.db"), "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile,
		"--smtp-require-starttls", "--smtp-disable-rdns")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	api := "http://127.0.0.1:" + strconv.Itoa(httpPort)
	for range 200 {
		if resp, err := http.Get(api + "/api/v1/messages"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return smtpPort, api, roots
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("mailpit did not start")
	return 0, "", nil
}

func getJSON(t *testing.T, url string, v any) {
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// TestDigestThroughARealSMTPServer: a weekly e-mail subscription, due,
// delivered by the loop through mailpit over STARTTLS; the message read
// back through mailpit's API carries the digest's numbers, worked out by
// hand, and the delivery id as its Message-ID.
func TestDigestThroughARealSMTPServer(t *testing.T) {
	port, api, roots := mailpit(t)
	ctx := context.Background()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	// Monday 2 November 2026, 07:59 in Madrid; the clock moves on in real
	// time from a minute later.
	base, start := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC), time.Now()
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return base.Add(time.Since(start)) }})
	tenant := uuid.New()
	// Three alerts in the week: one resolved, two open with 25 and 15
	// EUR at stake.
	for i, in := range []alertanalytics.AlertInput{
		{AlertType: "disk_full", Category: "infra", Status: "resolved", BusinessImpact: []byte(`{"financial_impact_eur": 100}`)},
		{AlertType: "disk_full", Category: "infra", BusinessImpact: []byte(`{"financial_impact_eur": 25}`)},
		{AlertType: "late_delivery", Category: "orders", BusinessImpact: []byte(`{"financial_impact_eur": 15}`)},
	} {
		in.CreatedAt = base.Add(-time.Duration(i+1) * 24 * time.Hour)
		_, _, err := svc.RecordAlert(ctx, tenant, in)
		require.NoError(t, err)
	}
	madrid, err := time.LoadLocation("Europe/Madrid")
	require.NoError(t, err)
	sub, err := svc.CreateSubscription(ctx, tenant, alertanalytics.SubscriptionInput{
		Schedule: alertanalytics.Schedule{Every: alertanalytics.Weekly, Weekday: time.Monday, Hour: 8, Location: madrid},
		Email:    &alertanalytics.EmailChannel{To: []string{"oncall@bakery.example"}},
	})
	require.NoError(t, err)
	ds := any(st).(store.DeliveryStore)
	stored, err := ds.Subscription(ctx, tenant, sub.ID)
	require.NoError(t, err)
	stored.NextDue = base.Add(-time.Second) // due now
	require.NoError(t, ds.PutSubscription(ctx, stored))

	mailer, err := mailsmtp.New(mailsmtp.Config{Host: "127.0.0.1", Port: port, From: "digests@alertanalytics.example",
		TLS: mailsmtp.Mandatory, TLSConfig: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}})
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- svc.RunDeliveries(runCtx, alertanalytics.DeliveryOptions{Mailer: mailer, Poll: 20 * time.Millisecond,
			Backoff: 50 * time.Millisecond, BaseURL: "https://analytics.bakery.example/alerts-svc"})
	}()
	var ledger []alertanalytics.Delivery
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ledger, err = svc.Deliveries(ctx, tenant, 0)
		require.NoError(t, err)
		if len(ledger) == 1 && ledger[0].Status != store.DeliveryPending && ledger[0].Status != store.DeliverySending {
			break
		}
	}
	cancel()
	<-done
	require.Len(t, ledger, 1)
	require.Equal(t, store.DeliveryDelivered, ledger[0].Status, ledger[0].LastError)

	var list struct {
		Messages []struct {
			ID        string `json:"ID"`
			MessageID string `json:"MessageID"`
			Subject   string `json:"Subject"`
			To        []struct {
				Address string `json:"Address"`
			} `json:"To"`
		} `json:"messages"`
	}
	getJSON(t, api+"/api/v1/messages", &list)
	require.Len(t, list.Messages, 1)
	m := list.Messages[0]
	require.Equal(t, ledger[0].ID.String()+"@alertanalytics", m.MessageID)
	require.Equal(t, "Alert digest: the last 7 days to Mon 2 Nov 2026", m.Subject)
	require.Equal(t, "oncall@bakery.example", m.To[0].Address)
	var full struct {
		Text, HTML string
	}
	getJSON(t, fmt.Sprintf("%s/api/v1/message/%s", api, m.ID), &full)
	require.Contains(t, full.Text, "Alert digest: the last 7 days")
	require.Contains(t, full.Text, "Alerts         3 ")
	require.Contains(t, full.Text, "Resolved       1, 33%")
	require.Contains(t, full.Text, "Open now       2, 40.00 EUR at risk")
	require.Contains(t, full.Text, "https://analytics.bakery.example/alerts-svc/tenants/"+tenant.String()+"/dashboard")
	require.Contains(t, full.HTML, "2, 40.00 EUR at risk")
	require.Contains(t, full.HTML, "Open the dashboard")
}

func TestConfigIsChecked(t *testing.T) {
	for _, cfg := range []mailsmtp.Config{{From: "a@example.com"}, {Host: "h", From: "Digests <a@example.com>"},
		{Host: "h", From: "a@example.com", TLS: "sometimes"}} {
		_, err := mailsmtp.New(cfg)
		require.Error(t, err)
	}
}
