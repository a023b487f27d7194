package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	pngenc "image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// runner builds the local runner and returns a function that starts it on
// a free port with env added to the environment and waits until it is
// healthy, and the runner's URL.
func runner(t *testing.T, env ...string) (start func() *process, base string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "payvand")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	start = func() *process {
		cmd := exec.Command(bin)
		cmd.Env = append(append(os.Environ(), "PAYVAND_ADDR="+addr, "PAYVAND_RATE_LIMIT_GENERAL=0"), env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		waitHealthy(t, "http://"+addr, exited, &stderr)
		return &process{cmd, &stdout, exited}
	}
	return start, "http://" + addr
}

// process is a started runner.
type process struct {
	cmd    *exec.Cmd
	stdout *bytes.Buffer // read it only after exited or while it prints nothing
	exited <-chan struct{}
}

// TestLocalRunnerEndToEnd builds the local runner, starts it on a free
// port and drives it over real HTTP like a new user would.
func TestLocalRunnerEndToEnd(t *testing.T) {
	start, base := runner(t, "PAYVAND_DATA_DIR="+filepath.Join(t.TempDir(), "fresh", "data"))
	p := start()
	stdout := p.stdout
	password := ""
	sc := bufio.NewScanner(strings.NewReader(stdout.String()))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Demo tenant created") {
			fields := strings.Fields(sc.Text())
			for i, f := range fields {
				if f == "password" {
					password = strings.Trim(fields[i+1], `"`)
				}
			}
		}
	}
	if password == "" || !strings.Contains(stdout.String(), `username "admin"`) {
		t.Fatalf("first start did not print the credentials:\n%s", stdout.String())
	}

	var login struct{ Token string }
	call(t, "POST", base+"/api/auth/login", "", `{"email":"ceo@demo.test","password":"`+password+`"}`, 200, &login)
	tok := login.Token

	var created struct{ Data struct{ ID string } }
	call(t, "POST", base+"/api/customers", tok, `{"name":"شرکت رابین","city":"Tehran","type":"B2B","status":"prospect"}`, 201, &created)
	call(t, "POST", base+"/api/customers", tok, `{"name":"Other","city":"Shiraz"}`, 201, nil)
	id := created.Data.ID

	var list struct {
		Data       []struct{ ID, Name string }
		Pagination struct{ Total int }
	}
	call(t, "GET", base+"/api/customers?filter[status]=prospect&city=tehran", tok, "", 200, &list)
	if list.Pagination.Total != 1 || len(list.Data) != 1 || list.Data[0].ID != id {
		t.Fatalf("filtered list = %+v", list)
	}
	var updated struct{ Data struct{ Status, City string } }
	call(t, "PUT", base+"/api/customers/"+id, tok, `{"status":"active","city":"Karaj"}`, 200, &updated)
	if updated.Data.Status != "active" || updated.Data.City != "Karaj" {
		t.Fatalf("update = %+v", updated)
	}
	call(t, "DELETE", base+"/api/customers/"+id, tok, "", 200, nil)
	var problem struct {
		Type, Title string
		Status      int
	}
	call(t, "GET", base+"/api/customers/"+id, tok, "", 404, &problem)
	if problem.Status != 404 || problem.Title == "" {
		t.Fatalf("404 problem = %+v", problem)
	}

	scenario(t, base)

	// SIGTERM: a clean exit, and the data survives a restart that prints
	// no new credentials.
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if !p.cmd.ProcessState.Success() {
			t.Fatalf("exit after SIGTERM: %v", p.cmd.ProcessState)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15 s after SIGTERM")
	}
	stdout = start().stdout
	if strings.Contains(stdout.String(), "created") {
		t.Fatalf("second start printed credentials again:\n%s", stdout.String())
	}
	call(t, "POST", base+"/api/auth/login", "", `{"email":"ceo@demo.test","password":"`+password+`"}`, 200, &login)
	call(t, "GET", base+"/api/customers", login.Token, "", 200, &list)
	if list.Pagination.Total != 1 || list.Data[0].Name != "Other" {
		t.Fatalf("after restart = %+v", list)
	}
}

// TestLocalRunnerOnAWSProtocols runs the local runner on DynamoDB and S3
// of a moto_server (PAYVAND_STORE=dynamodb, PAYVAND_AWS_ENDPOINT), from a
// data directory that does not exist yet, through the same scenario as on
// the embedded store; the avatar lands in the S3 bucket.
func TestLocalRunnerOnAWSProtocols(t *testing.T) {
	ep := moto.Endpoint(t)
	run := fmt.Sprint(time.Now().UnixNano() % 1e9)
	bucket := "payvand-local-" + run
	data := filepath.Join(t.TempDir(), "fresh", "data")
	start, base := runner(t, "PAYVAND_STORE=dynamodb", "PAYVAND_AWS_ENDPOINT="+ep, "PAYVAND_DATA_DIR="+data,
		"PAYVAND_CONTROL_TABLE=control-"+run, "PAYVAND_TABLE_PREFIX=t"+run+"-", "PAYVAND_BUCKET="+bucket,
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=",
		"AWS_PROFILE=", "AWS_CONFIG_FILE="+filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(t.TempDir(), "none"))
	start()
	avatar := scenario(t, base)

	cfg := moto.AWS(t)
	objects, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(context.Background(),
		&s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(objects.Contents) != 1 || "/api/uploads/"+aws.ToString(objects.Contents[0].Key) != avatar {
		t.Fatalf("bucket %s holds %d objects, want the avatar %s", bucket, len(objects.Contents), avatar)
	}
	if _, err := os.Stat(filepath.Join(data, "blobs.db")); err == nil {
		t.Fatal("files went to the in-process fake S3")
	}
}

// scenario is what a new organization does first: register, log in, a
// customer with contacts, search, a product and its stock, an avatar
// uploaded and read back. It returns the avatar's URL path.
func scenario(t *testing.T, base string) string {
	t.Helper()
	call(t, "POST", base+"/api/auth/register", "", `{"name":"Sara Ahmadi","email":"sara@zagros.test","password":"Tehran-1404!",
		"password_confirmation":"Tehran-1404!","organization_name":"Zagros Trading"}`, 201, nil)
	var login struct{ Token string }
	call(t, "POST", base+"/api/auth/login", "", `{"email":"sara@zagros.test","password":"Tehran-1404!"}`, 200, &login)
	tok := login.Token

	var customer struct{ Data struct{ ID string } }
	call(t, "POST", base+"/api/customers", tok, `{"name":"شرکت البرز","email":"info@alborz.test","city":"Tehran"}`, 201, &customer)
	id := customer.Data.ID
	call(t, "POST", base+"/api/customers/"+id+"/contacts", tok, `{"name":"Nima Alborzi","phone":"09120001111"}`, 201, nil)
	call(t, "POST", base+"/api/contacts", tok, `{"name":"Reza Alborzi","customer_id":"`+id+`","email":"reza@alborz.test"}`, 201, nil)
	var detail struct{ Data struct{ Contacts []any } }
	call(t, "GET", base+"/api/customers/"+id, tok, "", 200, &detail)
	if len(detail.Data.Contacts) != 2 {
		t.Fatalf("customer has %d contacts", len(detail.Data.Contacts))
	}
	var found struct {
		Data struct {
			Customers, Contacts []struct{ ID, Name string }
		}
	}
	call(t, "GET", base+"/api/search?q=alborz", tok, "", 200, &found)
	if len(found.Data.Customers) != 1 || len(found.Data.Contacts) != 2 {
		t.Fatalf("search alborz = %+v", found.Data)
	}
	call(t, "GET", base+"/api/search?q="+url.QueryEscape("البرز"), tok, "", 200, &found)
	if len(found.Data.Customers) != 1 || found.Data.Customers[0].ID != id {
		t.Fatalf("search البرز = %+v", found.Data)
	}

	var product struct{ Data struct{ ID string } }
	call(t, "POST", base+"/api/products", tok, `{"name":"Saffron 1kg","sku":"SAF-1","price":120000000,"quantity":5}`, 201, &product)
	var stock struct {
		NewQuantity int `json:"new_quantity"`
	}
	call(t, "PATCH", base+"/api/products/"+product.Data.ID+"/stock", tok, `{"operation":"subtract","quantity":2}`, 200, &stock)
	call(t, "PATCH", base+"/api/products/"+product.Data.ID+"/stock", tok, `{"operation":"subtract","quantity":4}`, 409, nil)
	if stock.NewQuantity != 3 {
		t.Fatalf("stock = %d", stock.NewQuantity)
	}

	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for x := 0; x < 300; x++ {
		img.Set(x, x%200, color.RGBA{200, 30, 30, 255})
	}
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("avatar", "me.png")
	part.Write(png.Bytes())
	w.Close()
	req, _ := http.NewRequest("POST", base+"/api/profile/avatar", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var uploaded struct {
		Data struct {
			AvatarURL string `json:"avatar_url"`
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(raw, &uploaded) != nil || !strings.HasPrefix(uploaded.Data.AvatarURL, "/api/uploads/avatars/") {
		t.Fatalf("avatar upload: %d %s", resp.StatusCode, raw)
	}
	got, err := http.Get(base + uploaded.Data.AvatarURL)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	thumb, err := jpeg.Decode(got.Body)
	if got.StatusCode != 200 || err != nil || thumb.Bounds().Dx() != 256 {
		t.Fatalf("avatar download: %d %v", got.StatusCode, err)
	}
	return uploaded.Data.AvatarURL
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHealthy(t *testing.T, base string, exited <-chan struct{}, stderr *bytes.Buffer) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/api/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("the local runner stopped:\n%s", stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("the local runner did not become healthy:\n%s", stderr)
}

func call(t *testing.T, method, url, token, body string, want int, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(fmt.Errorf("%s %s: %w", method, url, err))
		}
	}
}
