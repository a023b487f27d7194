package httpapi

// Envelope is the success body: {"success": true, "data": …, "message": …}.
type Envelope[T any] struct {
	Success bool   `json:"success"`
	Data    T      `json:"data"`
	Message string `json:"message,omitempty"`
}

// Body is the huma output of a single resource.
type Body[T any] struct {
	Body Envelope[T]
}

// OK wraps data in a success envelope.
func OK[T any](data T, message string) *Body[T] {
	return &Body[T]{Body: Envelope[T]{Success: true, Data: data, Message: message}}
}

// Collection is the body of a list: data plus pagination and links, and
// IshYar's meta block so that its clients find what they expect.
type Collection[T any] struct {
	Success    bool       `json:"success"`
	Data       []T        `json:"data"`
	Pagination Pagination `json:"pagination"`
	Links      Links      `json:"links"`
	Meta       ListMeta   `json:"meta"`
}

// ListBody is the huma output of a list.
type ListBody[T any] struct {
	Body Collection[T]
}

// Pagination describes where a page sits in the whole result.
type Pagination struct {
	Page  int `json:"page"`
	Limit int `json:"limit"`
	Total int `json:"total"`
	Pages int `json:"pages"`
	// NextCursor is always present: null on the last page (DESIGN §5).
	NextCursor *string `json:"next_cursor"`
}

// Links are ready-made URLs of neighbouring pages (null when none).
type Links struct {
	First *string `json:"first"`
	Prev  *string `json:"prev"`
	Next  *string `json:"next"`
	Last  *string `json:"last"`
}

// ListMeta is IshYar's collection meta.
type ListMeta struct {
	CurrentPage int    `json:"current_page"`
	From        int    `json:"from"`
	LastPage    int    `json:"last_page"`
	PerPage     int    `json:"per_page"`
	To          int    `json:"to"`
	Total       int    `json:"total"`
	Path        string `json:"path"`
}

// Ref names a related record ({id, name}).
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}
