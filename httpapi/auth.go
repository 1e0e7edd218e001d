package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// ErrUnauthenticated is what an Authenticator returns, possibly wrapped,
// when a request carries no credentials or bad ones. The handler answers 401.
var ErrUnauthenticated = errors.New("missing or invalid credentials")

// Principal is the caller a request acts for.
type Principal struct {
	// UserID is who the caller is. Interactions are recorded under it.
	UserID uuid.UUID
	// Name, when set, names the caller in deletion receipts; otherwise the
	// user id does.
	Name string
	// Tenants lists the tenants the caller may act on, unless AllTenants.
	Tenants []uuid.UUID
	// AllTenants lets the caller act on every tenant.
	AllTenants bool
	// Service marks a trusted service caller: only services may preview
	// and run tenant deletions.
	Service bool
}

// CanAccess reports whether the principal may act on tenant.
func (p Principal) CanAccess(tenant uuid.UUID) bool {
	return p.AllTenants || slices.Contains(p.Tenants, tenant)
}

func (p Principal) requester() string {
	if p.Name != "" {
		return p.Name
	}
	return p.UserID.String()
}

// Authenticator turns a request into the principal it acts for. It returns
// an error wrapping ErrUnauthenticated for missing or bad credentials; any
// other error answers 500.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (Principal, error)

// Authenticate implements Authenticator.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Principal, error) { return f(r) }

// GatewayHeaders trusts identity headers set by an API gateway in front of
// the service. Use it only behind a gateway that verified the caller and
// strips these headers from what clients send: anyone who can reach the
// handler directly can claim any identity with them.
//
// Headers (names configurable, these are the defaults):
//
//	X-User-ID      the caller's user id (UUID), required
//	X-Tenant-IDs   comma-separated tenant ids the caller may act on, or "*"
//	X-Service      "true" for a service caller
type GatewayHeaders struct {
	// UserHeader defaults to "X-User-ID".
	UserHeader string
	// TenantsHeader defaults to "X-Tenant-IDs".
	TenantsHeader string
	// ServiceHeader defaults to "X-Service".
	ServiceHeader string
}

// Authenticate implements Authenticator.
func (g GatewayHeaders) Authenticate(r *http.Request) (Principal, error) {
	header := func(name, def string) string {
		if name == "" {
			name = def
		}
		return strings.TrimSpace(r.Header.Get(name))
	}
	user, err := uuid.Parse(header(g.UserHeader, "X-User-ID"))
	if err != nil || user == uuid.Nil {
		return Principal{}, ErrUnauthenticated
	}
	p := Principal{UserID: user}
	if tenants := header(g.TenantsHeader, "X-Tenant-IDs"); tenants == "*" {
		p.AllTenants = true
	} else if tenants != "" {
		for _, t := range strings.Split(tenants, ",") {
			id, err := uuid.Parse(strings.TrimSpace(t))
			if err != nil {
				return Principal{}, ErrUnauthenticated
			}
			p.Tenants = append(p.Tenants, id)
		}
	}
	if s := header(g.ServiceHeader, "X-Service"); s != "" {
		if p.Service, err = strconv.ParseBool(s); err != nil {
			return Principal{}, ErrUnauthenticated
		}
	}
	return p, nil
}

// StaticTokens authenticates "Authorization: Bearer <token>" against a fixed
// set of tokens, and HTTP Basic with the token as the password (any user
// name), so a person can sign in to the dashboard page from a browser.
// Tokens are compared in constant time, through their SHA-256 digests so
// that neither content nor length leaks through timing.
type StaticTokens struct {
	tokens []tokenEntry
}

type tokenEntry struct {
	digest    [sha256.Size]byte
	principal Principal
}

// NewStaticTokens returns an authenticator for the given token → principal
// map. Empty tokens are refused.
func NewStaticTokens(tokens map[string]Principal) (*StaticTokens, error) {
	st := &StaticTokens{}
	for token, p := range tokens {
		if token == "" {
			return nil, errors.New("httpapi: empty bearer token")
		}
		st.tokens = append(st.tokens, tokenEntry{digest: sha256.Sum256([]byte(token)), principal: p})
	}
	return st, nil
}

// Authenticate implements Authenticator.
func (s *StaticTokens) Authenticate(r *http.Request) (Principal, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Basic") {
		_, token, ok = r.BasicAuth()
	} else if !strings.EqualFold(scheme, "Bearer") {
		ok = false
	}
	if !ok || token == "" {
		return Principal{}, ErrUnauthenticated
	}
	digest := sha256.Sum256([]byte(strings.TrimSpace(token)))
	var found Principal
	match := 0
	for _, e := range s.tokens { // no early exit: every token is compared
		if subtle.ConstantTimeCompare(digest[:], e.digest[:]) == 1 {
			found, match = e.principal, 1
		}
	}
	if match == 0 {
		return Principal{}, ErrUnauthenticated
	}
	return found, nil
}
