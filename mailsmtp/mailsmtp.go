// Package mailsmtp sends digest e-mail over SMTP for
// alertanalytics.Service.RunDeliveries, with github.com/wneessen/go-mail.
// It is a module of its own, so that importers of the library who send no
// e-mail do not compile an SMTP client:
//
//	m, err := mailsmtp.New(mailsmtp.Config{Host: "smtp.example.com", Port: 587,
//		Username: user, Password: pass, From: "digests@example.com"})
//	err = svc.RunDeliveries(ctx, alertanalytics.DeliveryOptions{Mailer: m})
//
// Each mail is sent on a connection of its own that ends with the send:
// digests are few, and nothing is left open between them.
package mailsmtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/alertanalytics/alertanalytics"
)

// TLS says how a Mailer secures its connection.
type TLS string

// The TLS policies.
const (
	// Opportunistic upgrades with STARTTLS when the server offers it, and
	// sends in the clear when it does not. The default.
	Opportunistic TLS = "opportunistic"
	// Mandatory refuses to send unless the server offers STARTTLS.
	Mandatory TLS = "mandatory"
	// Never sends in the clear even when STARTTLS is offered (a local
	// relay).
	Never TLS = "never"
)

// Config configures a Mailer.
type Config struct {
	// Host and Port name the SMTP server; Port defaults to 587.
	Host string
	Port int
	// Username and Password authenticate, when Username is set, with the
	// strongest mechanism the server offers.
	Username, Password string
	// From is the sender's address.
	From string
	// TLS defaults to Opportunistic.
	TLS TLS
	// TLSConfig verifies the server's certificate; defaults to the host's
	// roots and Host as the server name.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each command; defaults to 15 s. The
	// context of each send bounds it as well.
	Timeout time.Duration
}

// Mailer sends alertanalytics.Mail over SMTP. It is safe for concurrent
// use.
type Mailer struct {
	cfg Config
}

var _ alertanalytics.Mailer = (*Mailer)(nil)

// New checks cfg and returns a Mailer.
func New(cfg Config) (*Mailer, error) {
	if cfg.Host == "" {
		return nil, errors.New("mailsmtp: Config.Host is required")
	}
	if a, err := mail.ParseAddress(cfg.From); err != nil || a.Address != cfg.From {
		return nil, fmt.Errorf("mailsmtp: Config.From %q must be a plain address such as digests@example.com", cfg.From)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.TLS == "" {
		cfg.TLS = Opportunistic
	}
	if cfg.TLS != Opportunistic && cfg.TLS != Mandatory && cfg.TLS != Never {
		return nil, fmt.Errorf("mailsmtp: Config.TLS %q must be opportunistic, mandatory or never", cfg.TLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &Mailer{cfg: cfg}, nil
}

// SendMail sends m: a multipart/alternative message of its text and HTML
// parts, with its Message-ID, so every attempt of one delivery carries the
// same.
func (s *Mailer) SendMail(ctx context.Context, m alertanalytics.Mail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("mailsmtp: from: %w", err)
	}
	if err := msg.To(m.To...); err != nil {
		return fmt.Errorf("mailsmtp: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	policy := map[TLS]gomail.TLSPolicy{Opportunistic: gomail.TLSOpportunistic, Mandatory: gomail.TLSMandatory, Never: gomail.NoTLS}[s.cfg.TLS]
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(s.cfg.Timeout)}
	if s.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLSConfig))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mailsmtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mailsmtp: %w", err)
	}
	return nil
}
