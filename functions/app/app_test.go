package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/config"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// TestAPIOnDynamoDB runs the main customer and auth paths with the
// DynamoDB backend against moto_server, the signing key read from Secrets
// Manager as on AWS.
func TestAPIOnDynamoDB(t *testing.T) {
	ep := moto.Endpoint(t)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	cfg := moto.AWS(t)
	secret := fmt.Sprintf("payvand-jwt-%d", time.Now().UnixNano())
	if _, err := secretsmanager.NewFromConfig(cfg).CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(secret), SecretString: aws.String("0123456789abcdef0123456789abcdef-moto"),
	}); err != nil {
		t.Fatal(err)
	}
	run := fmt.Sprint(time.Now().UnixNano() % 1e9)
	e := apitest.New(t, apitest.WithConfig(func(c *config.Config) {
		c.Store, c.AWSEndpoint, c.JWTSecretID = "dynamodb", ep, secret
		c.ControlTable, c.TablePrefix = "control-"+run, "t"+run+"-"
	}), apitest.WithLoginLimits(), apitest.WithLazyRoutes())
	a, b := e.CEO("alpha"), e.CEO("beta")
	for _, n := range []string{"Zagros", "Alborz", "رابین"} {
		e.Do("POST", "/api/customers", a, map[string]any{"name": n, "city": "Tehran", "status": "prospect"}).Want(t, 201)
	}
	l := e.Do("GET", "/api/customers?sort=name&limit=2", a, nil).Want(t, 200)
	if names := fmt.Sprint(l.List()[0]["name"], ",", l.List()[1]["name"]); names != "Alborz,Zagros" {
		t.Fatalf("sorted page = %s", names)
	}
	next := l.JSON["pagination"].(map[string]any)["next_cursor"].(string)
	l2 := e.Do("GET", "/api/customers?sort=name&limit=2&cursor="+url.QueryEscape(next), a, nil).Want(t, 200)
	if len(l2.List()) != 1 || l2.List()[0]["name"] != "رابین" {
		t.Fatalf("second page = %s", l2.Raw)
	}
	s := e.Do("GET", "/api/customers?search="+url.QueryEscape("رابين"), a, nil).Want(t, 200).List()
	if len(s) != 1 {
		t.Fatalf("search = %v", s)
	}
	id := s[0]["id"].(string)
	e.Do("GET", "/api/customers/"+id, b, nil).Want(t, 404)
	e.Do("PUT", "/api/customers/"+id, a, map[string]any{"status": "active"}).Want(t, 200)
	st := e.Do("GET", "/api/customers/stats", a, nil).Want(t, 200).Data()
	if st["total_customers"] != float64(3) || st["active_customers"] != float64(1) {
		t.Fatalf("stats = %v", st)
	}
	if e.Do("GET", "/api/customers?city=tehran&status=prospect", a, nil).JSON["pagination"].(map[string]any)["total"] != float64(2) {
		t.Fatal("city+status total")
	}
	e.Do("DELETE", "/api/customers/"+id, a, nil).Want(t, 200)
	e.Do("GET", "/api/customers/"+id, a, nil).Want(t, 404)
	if n := e.Do("GET", "/api/customers", b, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(0) {
		t.Fatalf("beta sees %v customers", n)
	}
	loginLimitOnDynamoDB(t, e)
	stockOnDynamoDB(t, e, a)
	crmOnDynamoDB(t, e, a)
	identityOnDynamoDB(t, e, a)
}

// identityOnDynamoDB: users (create with the seat limit, list by status and
// name, soft delete), custom roles, and the admin's tenant list and lookup
// by id, on DynamoDB.
func identityOnDynamoDB(t *testing.T, e *apitest.Env, tok string) {
	u := e.Do("POST", "/api/users", tok, map[string]any{"name": "Dyn User", "email": "dyn@alpha.test", "role": "sales"}).Want(t, 201).Data()
	if l := e.Do("GET", "/api/users?filter[status]=active&sort=name", tok, nil).Want(t, 200).List(); len(l) != 2 || l[1]["name"] != "Dyn User" {
		t.Fatalf("users = %v", l)
	}
	e.Do("POST", "/api/permissions/roles", tok, map[string]any{"name": "auditor", "modules": []string{"reports"}}).Want(t, 200)
	if r := e.Do("GET", "/api/permissions/roles", tok, nil).Want(t, 200).JSON["data"].([]any); len(r) != 7 {
		t.Fatalf("roles = %v", r)
	}
	e.Do("DELETE", "/api/users/"+u["id"].(string), tok, nil).Want(t, 200)
	if l := e.Do("GET", "/api/users?status=deleted", tok, nil).Want(t, 200).List(); len(l) != 1 {
		t.Fatalf("deleted users = %v", l)
	}
	admin := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200).JSON["token"].(string)
	ts := e.Do("GET", "/api/admin/tenants?search=alpha", admin, nil).Want(t, 200).List()
	if len(ts) != 1 {
		t.Fatalf("tenants = %v", ts)
	}
	e.Do("GET", "/api/admin/tenants/"+ts[0]["id"].(string), admin, nil).Want(t, 200)
	if l := e.Do("GET", "/api/admin/audit", admin, nil).Want(t, 200); l.JSON["pagination"] == nil {
		t.Fatal("audit")
	}
}

// crmOnDynamoDB: contacts in their customer's collection, global search,
// duplicates and a small import, on DynamoDB.
func crmOnDynamoDB(t *testing.T, e *apitest.Env, tok string) {
	c := e.Do("POST", "/api/companies", tok, map[string]any{"name": "Kavir", "email": "info@kavir.ir"}).Want(t, 201).Data()
	e.Do("POST", "/api/customers/"+c["id"].(string)+"/contacts", tok, map[string]any{"name": "Nima Kavir", "phone": "09120001111"}).Want(t, 201)
	if d := e.Do("GET", "/api/companies/"+c["id"].(string), tok, nil).Want(t, 200).Data(); len(d["contacts"].([]any)) != 1 {
		t.Fatalf("company contacts = %v", d["contacts"])
	}
	if l := e.Do("GET", "/api/contacts?company_id="+c["id"].(string), tok, nil).Want(t, 200).List(); len(l) != 1 {
		t.Fatalf("contacts by company = %v", l)
	}
	s := e.Do("GET", "/api/search?q=kavir", tok, nil).Want(t, 200).Data()
	if len(s["customers"].([]any)) != 1 || len(s["contacts"].([]any)) != 1 {
		t.Fatalf("search = %v", s)
	}
	// One query of the index and one batch read for both kinds.
	if l := e.LastRequestLog(); l["store_reads"] != float64(2) {
		t.Fatalf("search: %v reads, want 2", l["store_reads"])
	}
	e.Do("POST", "/api/customers", tok, map[string]any{"name": "Kavir again", "email": "INFO@kavir.ir"}).Want(t, 201)
	if r := e.Do("POST", "/api/cleanup-duplicates", tok, map[string]any{"dry_run": true}).Want(t, 200); r.JSON["removed_count"] != float64(1) {
		t.Fatalf("duplicates = %s", r.Raw)
	}
	// A small import: one new customer, one matched by email and updated.
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", "c.csv")
	part.Write([]byte("نام,ایمیل,شهر\nDamavand,info@damavand.ir,Tehran\nKavir,info@kavir.ir,Yazd\n"))
	w.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/api/import/customers", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), `"created":1`) || !strings.Contains(string(raw), `"updated":1`) {
		t.Fatalf("import on DynamoDB: %d %s", resp.StatusCode, raw)
	}
}

// stockOnDynamoDB: subtractions through DynamoDB's conditional
// transactions stop at zero. They run one after another: moto_server does
// not hold a lock between a transaction's condition checks and its writes,
// so concurrent conditional writes can both win there (real DynamoDB
// serializes them); the concurrent race runs on the embedded store
// (productsapi.TestStockRace).
func stockOnDynamoDB(t *testing.T, e *apitest.Env, tok string) {
	id := e.Do("POST", "/api/products", tok, map[string]any{"name": "Scarce", "quantity": 10, "price": 5}).Want(t, 201).Data()["id"].(string)
	ok, refused := 0, 0
	for i := 0; i < 12; i++ {
		switch r := e.Do("PATCH", "/api/products/"+id+"/stock", tok, map[string]any{"operation": "subtract", "quantity": 1}); r.Status {
		case 200:
			ok++
		case 409:
			refused++
		default:
			t.Fatalf("status %d: %s", r.Status, r.Raw)
		}
	}
	if q := e.Do("GET", "/api/products/"+id, tok, nil).Data()["quantity"]; ok != 10 || refused != 2 || q != float64(0) {
		t.Fatalf("%d succeeded, %d refused, quantity %v", ok, refused, q)
	}
	// A stock change writes the product, the counters and the event, no
	// search word (it rewrote the product's one word here: 4 items).
	e.Do("PATCH", "/api/products/"+id+"/stock", tok, map[string]any{"operation": "add", "quantity": 2}).Want(t, 200)
	if l := e.LastRequestLog(); l["store_writes"] != float64(1) || l["items_written"] != float64(3) {
		t.Fatalf("stock change: %v writes, %v items written; want 1 and 3", l["store_writes"], l["items_written"])
	}
	// The detail with its interests (newest first) is one Query.
	var interests []any
	for _, level := range []string{"low", "high"} {
		cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Stock buyer " + level}).Want(t, 201).Data()["id"]
		interests = append(interests, e.Do("POST", "/api/customer-product-interests", tok, map[string]any{"customer_id": cust, "product_id": id, "level": level}).Want(t, 201).Data()["id"])
	}
	d := e.Do("GET", "/api/products/"+id, tok, nil).Want(t, 200).Data()
	if l := e.LastRequestLog(); l["store_reads"] != float64(1) {
		t.Fatalf("product detail: %v reads, want 1", l["store_reads"])
	}
	if in := d["customer_interests"].([]any); len(in) != 2 || in[0].(map[string]any)["id"] != interests[1] || in[1].(map[string]any)["id"] != interests[0] {
		t.Fatalf("interests = %v", in)
	}
}

// loginLimitOnDynamoDB: the sixth login of a minute is refused, counted in
// DynamoDB items that every instance shares.
func loginLimitOnDynamoDB(t *testing.T, e *apitest.Env) {
	body := map[string]string{"tenant_key": "beta", "email": "someone@beta.test", "password": "wrong-password"}
	for i := 0; i < 5; i++ {
		e.Do("POST", "/api/tenant/auth/login", "", body).Want(t, 401)
	}
	if r := e.Do("POST", "/api/tenant/auth/login", "", body).Want(t, 429); r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}
