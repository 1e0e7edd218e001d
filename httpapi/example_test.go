package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/httpapi"
	"github.com/alertanalytics/alertanalytics/sqlite"
)

// ExampleNew mounts the API under a prefix of a host server, with one
// bearer token, and records an alert through it.
func ExampleNew() {
	st, err := sqlite.OpenMemory()
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background()); err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})

	auth, err := httpapi.NewStaticTokens(map[string]httpapi.Principal{
		"s3cret": {UserID: uuid.MustParse("00000000-0000-4000-8000-0000000000a1"), AllTenants: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	api, err := httpapi.New(svc, httpapi.Config{Authenticator: auth})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/alert-processor/", http.StripPrefix("/alert-processor", api))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/alert-processor/api/v1/tenants/b4ce7e11-0000-4000-8000-00000000da7a/alerts",
		strings.NewReader(`{"id":"01900000-0000-7000-8000-000000000001","alert_type":"low_stock_warning","priority_level":"critical"}`))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.Status)
	fmt.Println(strings.Contains(string(body), `"status":"active"`), strings.Contains(string(body), `"created_at":"2026-11-02T10:00:00Z"`))
	// Output:
	// 201 Created
	// true true
}
