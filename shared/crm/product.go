package crm

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Product is something a tenant sells. Prices are integer minor units of
// Currency; the API shows them as decimals.
type Product struct {
	ID                string         `json:"id"`
	Name              string         `json:"name"`
	Description       string         `json:"description"`
	Category          string         `json:"category"`
	SKU               string         `json:"sku"`
	PriceMinor        int64          `json:"-"`
	CostMinor         int64          `json:"-"`
	Currency          string         `json:"currency"`
	Quantity          int64          `json:"quantity"`
	LowStockThreshold int64          `json:"low_stock_threshold"`
	Unit              string         `json:"unit"`
	Supplier          string         `json:"supplier"`
	Status            string         `json:"status"`
	Tags              []string       `json:"tags"`
	CustomFields      map[string]any `json:"custom_fields"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
	Version           int64          `json:"version"`
}

// Validate checks a product as it is about to be stored.
func (p *Product) Validate() error {
	f := FieldErrors{}
	if strings.TrimSpace(p.Name) == "" {
		f.Add("name", "required")
	} else if utf8.RuneCountInString(p.Name) > 200 {
		f.Add("name", "must be at most 200 characters")
	}
	if p.PriceMinor < 0 {
		f.Add("price", "must not be negative")
	}
	if p.CostMinor < 0 {
		f.Add("cost", "must not be negative")
	}
	if p.Quantity < 0 {
		f.Add("quantity", "must not be negative")
	}
	if p.Status != "active" && p.Status != "inactive" {
		f.Add("status", "must be active or inactive")
	}
	if msg := FreeFormProblem(p.CustomFields); msg != "" {
		f.Add("custom_fields", msg)
	}
	return f.Err()
}

// ProductFilter selects products for a list.
type ProductFilter struct {
	Category, Search, Status string
	PriceMin, PriceMax       *int64 // minor units
	InStock                  *bool
	SortBy                   string // created_at | name | price
	Desc                     bool
	Limit, Offset            int
	Cursor                   string
}

// StockChange is PATCH /api/products/{id}/stock.
type StockChange struct {
	Operation string // set | add | subtract
	Quantity  int64
}

// ProductStats come from counters kept by every write.
type ProductStats struct {
	TotalProducts int64                       `json:"total_products"`
	TotalValue    map[string]float64          `json:"total_value" doc:"Stock value (price × quantity) by currency"`
	Categories    map[string]int64            `json:"categories"`
	LowStock      []map[string]any            `json:"low_stock"`
	TopSellers    []map[string]any            `json:"top_sellers" doc:"Empty until sales exist"`
	Extra         map[string]map[string]int64 `json:"-"`
}

// Interest records a customer's interest in a product.
type Interest struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	ProductID  string    `json:"product_id"`
	Level      string    `json:"level"`
	Notes      string    `json:"notes"`
	CreatedAt  time.Time `json:"created_at"`
}

// ProductService manages the products of the caller's tenant.
type ProductService interface {
	// CreateProduct returns EVALIDATION, ECONFLICT for a taken SKU.
	CreateProduct(ctx context.Context, p *Product) (*Product, error)
	Product(ctx context.Context, id string) (*Product, error)
	UpdateProduct(ctx context.Context, id string, apply func(*Product) error, version *int64) (*Product, error)
	DeleteProduct(ctx context.Context, id string) error
	Products(ctx context.Context, f ProductFilter) ([]*Product, int, string, error)
	// ChangeStock never lets the quantity go below zero: ECONFLICT when a
	// subtraction would.
	ChangeStock(ctx context.Context, id string, c StockChange) (*Product, error)
	ProductStats(ctx context.Context) (*ProductStats, error)
	AddInterest(ctx context.Context, i *Interest) (*Interest, error)
	Interests(ctx context.Context, customerID, productID string, limit int) ([]*Interest, error)
}
