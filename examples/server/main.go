// Command server serves the alertanalytics HTTP API, the long-running form
// of the quickstart. It stores data in a SQLite file unless given a
// PostgreSQL URL, and accepts one bearer token with service rights on every
// tenant.
//
//	ALERTANALYTICS_TOKEN=secret go run ./examples/server -demo
//
// Flags:
//
//	-addr      listen address (default 127.0.0.1:8080)
//	-sqlite    SQLite database file (default alertanalytics.db)
//	-postgres  PostgreSQL URL; used instead of SQLite, migrated on start
//	-citus     with -postgres naming a Citus coordinator: distribute the
//	           tables by tenant_id on start (idempotent)
//	-token     the bearer token (or ALERTANALYTICS_TOKEN); required
//	-user      the user id interactions are recorded under for that token
//	-tokens    a file of further tokens, one "TOKEN USER_ID" pair a line
//	           (blank lines and # comments ignored), each with -token's
//	           rights and recorded as its own user, so several people can
//	           be tried through HTTP; a malformed line is refused at start
//	-demo      seed the quickstart's demo bakery (once) and print its tenant id
//	-metrics   serve Prometheus metrics at GET /metrics (no credentials;
//	           keep the port internal)
//	-retention purge alerts older than this (a Go duration or days, e.g.
//	           400d) from every tenant, at start and then daily; closed
//	           alerts only
//	-deliver   run the digest delivery loop: subscriptions' webhooks and,
//	           with -smtp, e-mail (any number of servers may run it over
//	           one database; each period is sent once)
//	-smtp      host:port of the SMTP server for e-mail digests (STARTTLS
//	           when offered); -smtp-from the sender, -smtp-user and
//	           $ALERTANALYTICS_SMTP_PASSWORD the credentials
//	-base-url  the server's public URL, for the links in digests
//	-allow-private-webhooks  let webhooks reach loopback and private
//	           addresses (local trials only)
//
// GET /healthz answers without credentials, for load balancers and
// orchestrators: 200 when the database answers, 503 otherwise.
//
// It shuts down gracefully on SIGINT and SIGTERM, and exits 2 on bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // tz= works on machines without zoneinfo

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/demo"
	"github.com/alertanalytics/alertanalytics/httpapi"
	"github.com/alertanalytics/alertanalytics/mailsmtp"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	addr, sqlitePath, postgresURL, token string
	user                                 uuid.UUID
	// tokens are the further tokens of -tokens, each with its user.
	tokens map[string]uuid.UUID
	demo   bool
	// citus distributes the PostgreSQL tables on a Citus coordinator.
	citus     bool
	retention time.Duration
	metrics   bool
	// deliver runs the digest deliveries; smtp* configure e-mail.
	deliver, privateWebhooks bool
	smtpAddr, smtpFrom       string
	smtpUser, smtpPassword   string
	baseURL                  string
	// timeouts cut slow or idle clients: headers, the whole request, the
	// answer, idle keep-alive.
	timeouts [4]time.Duration
}

// defaultTimeouts are the server's header, read, write and idle timeouts.
func defaultTimeouts() [4]time.Duration {
	return [4]time.Duration{10 * time.Second, 30 * time.Second, 60 * time.Second, 2 * time.Minute}
}

// parseFlags reads the command line; it reports usage errors, which exit 2.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{timeouts: defaultTimeouts()}
	var user string
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&o.sqlitePath, "sqlite", "alertanalytics.db", "SQLite database file")
	fs.StringVar(&o.postgresURL, "postgres", "", "PostgreSQL URL; used instead of SQLite and migrated on start")
	fs.BoolVar(&o.citus, "citus", false, "with -postgres naming a Citus coordinator: distribute the tables by tenant on start")
	fs.StringVar(&o.token, "token", "", "bearer token with service rights on every tenant (default $ALERTANALYTICS_TOKEN)")
	fs.StringVar(&user, "user", "00000000-0000-4000-8000-0000000000a1", "user id interactions are recorded under for the token")
	fs.BoolVar(&o.demo, "demo", false, "seed the quickstart's demo bakery and print its tenant id")
	fs.BoolVar(&o.metrics, "metrics", false, "serve Prometheus metrics at /metrics")
	var tokensFile string
	fs.StringVar(&tokensFile, "tokens", "", "file of further \"TOKEN USER_ID\" lines, each with -token's rights as its own user")
	var retention string
	fs.StringVar(&retention, "retention", "", "purge closed alerts older than this (e.g. 400d or 9600h) at start and daily")
	fs.BoolVar(&o.deliver, "deliver", false, "run the digest delivery loop")
	fs.StringVar(&o.smtpAddr, "smtp", "", "host:port of the SMTP server for e-mail digests")
	fs.StringVar(&o.smtpFrom, "smtp-from", "", "sender address of e-mail digests")
	fs.StringVar(&o.smtpUser, "smtp-user", "", "SMTP user name (password from $ALERTANALYTICS_SMTP_PASSWORD)")
	fs.StringVar(&o.baseURL, "base-url", "", "the server's public URL, for links in digests")
	fs.BoolVar(&o.privateWebhooks, "allow-private-webhooks", false, "let webhooks reach loopback and private addresses")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.smtpPassword = getenv("ALERTANALYTICS_SMTP_PASSWORD")
	if o.smtpAddr != "" && (!o.deliver || o.smtpFrom == "") {
		return o, errors.New("-smtp needs -deliver and -smtp-from")
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.token == "" {
		o.token = getenv("ALERTANALYTICS_TOKEN")
	}
	if o.token == "" {
		return o, errors.New("no token: pass -token or set ALERTANALYTICS_TOKEN; the API never runs without credentials")
	}
	var err error
	if o.user, err = uuid.Parse(user); err != nil || o.user == uuid.Nil {
		return o, fmt.Errorf("-user %q is not a UUID", user)
	}
	if o.citus && o.postgresURL == "" {
		return o, errors.New("-citus needs -postgres (a Citus coordinator's URL)")
	}
	if tokensFile != "" {
		if o.tokens, err = readTokens(tokensFile, o.token); err != nil {
			return o, err
		}
	}
	if retention != "" {
		if o.retention, err = alertanalytics.ParseMaxAge("-retention", retention); err != nil {
			return o, err
		}
		if o.retention < alertanalytics.MinRetention {
			return o, fmt.Errorf("-retention %s: at least 24h", retention)
		}
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return o, fmt.Errorf("-addr %q: %v", o.addr, err)
	}
	return o, nil
}

// run serves until ctx ends and returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 2
	}
	if err := serve(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	return 0
}

// database is the opened store, how to check it answers, and how to close it.
type database struct {
	store store.Store
	ping  func(context.Context) error
	close func()
}

func openStore(ctx context.Context, o options) (database, error) {
	if o.postgresURL != "" {
		pool, err := postgres.Connect(ctx, o.postgresURL)
		if err != nil {
			return database{}, err
		}
		pg, err := postgres.New(pool, postgres.Config{Citus: o.citus})
		if err == nil {
			err = pg.Migrate(ctx)
		}
		if err != nil {
			pool.Close()
			return database{}, err
		}
		return database{store: pg, ping: pool.Ping, close: pool.Close}, nil
	}
	lite, err := sqlite.Open(o.sqlitePath)
	if err != nil {
		return database{}, err
	}
	if err := lite.Migrate(ctx); err != nil {
		lite.Close()
		return database{}, err
	}
	// The log's checkpoints run beside the server, not on its writes (see
	// sqlite.Store.RunCheckpoints); they stop before the store closes.
	cpCtx, stopCheckpoints := context.WithCancel(context.WithoutCancel(ctx))
	cpDone := make(chan struct{})
	go func() {
		defer close(cpDone)
		_ = lite.RunCheckpoints(cpCtx, 10*time.Millisecond) // returns when stopped
	}()
	return database{store: lite, ping: lite.Ping, close: func() { stopCheckpoints(); <-cpDone; lite.Close() }}, nil
}

// healthz answers 200 when the database answers a ping within 2 seconds,
// 503 otherwise. It needs no credentials and says nothing else.
func healthz(ping func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "database unavailable\n")
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	}
}

func serve(ctx context.Context, o options, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	db, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer db.close()
	var meters metric.MeterProvider
	var metricsHandler http.Handler
	if o.metrics {
		// A registry of this server's own, not the process-wide default.
		reg := prometheus.NewRegistry()
		exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			return err
		}
		provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
		defer provider.Shutdown(context.Background())
		meters, metricsHandler = provider, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	}
	svc := alertanalytics.New(db.store, alertanalytics.Config{Logger: logger, MeterProvider: meters, AllowPrivateWebhooks: o.privateWebhooks})
	deliveries, err := deliveryOptions(o)
	if err != nil {
		return err
	}

	if o.demo {
		tenant := uuid.MustParse(demo.TenantID)
		counts, err := svc.PreviewTenantDeletion(ctx, tenant)
		if err != nil {
			return err
		}
		if counts.Alerts == 0 {
			if _, _, err := demo.Seed(ctx, svc, time.Now(), 30, 7); err != nil {
				return fmt.Errorf("seed demo: %w", err)
			}
		}
		fmt.Fprintf(stdout, "demo tenant: %s\n", demo.TenantID)
	}

	principals := map[string]httpapi.Principal{
		o.token: {UserID: o.user, Name: "server-token", AllTenants: true, Service: true},
	}
	for token, user := range o.tokens {
		principals[token] = httpapi.Principal{UserID: user, Name: "token of " + user.String(), AllTenants: true, Service: true}
	}
	auth, err := httpapi.NewStaticTokens(principals)
	if err != nil {
		return err
	}
	api, err := httpapi.New(svc, httpapi.Config{Authenticator: auth, Logger: logger, MeterProvider: meters})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthz(db.ping))
	if metricsHandler != nil {
		mux.Handle("GET /metrics", metricsHandler)
	}
	mux.Handle("/", api)
	srv := &http.Server{
		Handler: mux,
		// Slow or idle clients cannot hold connections: headers within 10 s,
		// the whole request within 30 s, the answer within 60 s, idle
		// keep-alive connections closed after 2 minutes, headers ≤ 64 KiB.
		ReadHeaderTimeout: o.timeouts[0],
		ReadTimeout:       o.timeouts[1],
		WriteTimeout:      o.timeouts[2],
		IdleTimeout:       o.timeouts[3],
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if o.demo {
		fmt.Fprintf(stdout, "dashboard page: http://%s/tenants/%s/dashboard (sign in with any user name and the token as password)\n",
			ln.Addr(), demo.TenantID)
	}

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	purgeDone := make(chan struct{})
	purgeCtx, stopPurge := context.WithCancel(ctx)
	go func() {
		defer close(purgeDone)
		if o.retention > 0 {
			retain(purgeCtx, svc, o.retention, logger)
		}
	}()
	defer func() { stopPurge(); <-purgeDone }()
	deliverDone := make(chan struct{})
	deliverCtx, stopDeliver := context.WithCancel(ctx)
	go func() {
		defer close(deliverDone)
		if o.deliver {
			_ = svc.RunDeliveries(deliverCtx, deliveries) // returns when the server stops
		}
	}()
	defer func() { stopDeliver(); <-deliverDone }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// deliveryOptions are the delivery loop's options from the flags: e-mail
// through mailsmtp when -smtp is given.
func deliveryOptions(o options) (alertanalytics.DeliveryOptions, error) {
	opts := alertanalytics.DeliveryOptions{BaseURL: o.baseURL}
	if o.smtpAddr == "" {
		return opts, nil
	}
	host, portText, err := net.SplitHostPort(o.smtpAddr)
	if err != nil {
		return opts, fmt.Errorf("-smtp %q: %v", o.smtpAddr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return opts, fmt.Errorf("-smtp %q: the port is not a number", o.smtpAddr)
	}
	opts.Mailer, err = mailsmtp.New(mailsmtp.Config{Host: host, Port: port, From: o.smtpFrom, Username: o.smtpUser, Password: o.smtpPassword})
	return opts, err
}

// retain purges every tenant's closed alerts older than maxAge now and
// then every 24 hours, until ctx ends, logging what each run deleted.
func retain(ctx context.Context, svc *alertanalytics.Service, maxAge time.Duration, logger *slog.Logger) {
	for {
		res, err := svc.PurgeAll(ctx, alertanalytics.Retention{MaxAge: maxAge, RequestedBy: "server -retention"})
		if err != nil && ctx.Err() == nil {
			logger.Error("retention purge", "error", err)
		}
		logger.Info("retention purge", "cutoff", res.Cutoff, "tenants", len(res.Receipts), "alerts", res.Deleted.Alerts,
			"alert_interactions", res.Deleted.AlertInteractions, "audit_logs", res.Deleted.AuditLogs)
		select {
		case <-ctx.Done():
			return
		case <-time.After(24 * time.Hour):
		}
	}
}

// readTokens reads a -tokens file: one "TOKEN USER_ID" pair a line, blank
// lines and lines starting with # ignored. A malformed line, a user id
// that is not a UUID, or a token given twice (or equal to -token) is
// refused, naming the line.
func readTokens(path, mainToken string) (map[string]uuid.UUID, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-tokens: %w", err)
	}
	out := map[string]uuid.UUID{}
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("-tokens %s: line %d: want TOKEN USER_ID", path, i+1)
		}
		user, err := uuid.Parse(fields[1])
		if err != nil || user == uuid.Nil {
			return nil, fmt.Errorf("-tokens %s: line %d: %q is not a user id (a UUID)", path, i+1, fields[1])
		}
		if _, dup := out[fields[0]]; dup || fields[0] == mainToken {
			return nil, fmt.Errorf("-tokens %s: line %d: the token is given twice", path, i+1)
		}
		out[fields[0]] = user
	}
	return out, nil
}
