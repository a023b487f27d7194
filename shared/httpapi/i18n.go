package httpapi

import (
	"context"
	"fmt"
	"strings"
)

// Lang is a supported message language.
type Lang string

const (
	English Lang = "en"
	Persian Lang = "fa"
)

// parseLang picks fa or en from an Accept-Language header (default en).
func parseLang(h string) Lang {
	for _, part := range strings.Split(h, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		if strings.HasPrefix(tag, "fa") {
			return Persian
		}
		if strings.HasPrefix(tag, "en") {
			return English
		}
	}
	return English
}

// messages holds every client-visible text by key, in English and Persian.
var messages = map[string][2]string{
	// problem titles by status slug
	"bad-request":            {"Bad Request", "درخواست نامعتبر"},
	"validation-error":       {"Validation Error", "خطای اعتبارسنجی"},
	"unauthorized":           {"Unauthorized", "احراز هویت لازم است"},
	"forbidden":              {"Forbidden", "دسترسی غیرمجاز"},
	"not-found":              {"Not Found", "یافت نشد"},
	"conflict":               {"Conflict", "تعارض"},
	"payload-too-large":      {"Payload Too Large", "حجم درخواست بیش از حد مجاز است"},
	"rate-limit":             {"Too Many Requests", "تعداد درخواست‌ها بیش از حد مجاز است"},
	"payment-required":       {"Payment Required", "اشتراک نیاز به تمدید دارد"},
	"server-error":           {"Internal Server Error", "خطای داخلی سرور"},
	"method-not-allowed":     {"Method Not Allowed", "این روش مجاز نیست"},
	"unsupported-media-type": {"Unsupported Media Type", "نوع محتوا پشتیبانی نمی‌شود"},

	// details
	"validation":           {"The given data was invalid.", "داده‌های ارسال‌شده نامعتبر است."},
	"malformed":            {"The request body is not valid JSON.", "بدنه درخواست JSON معتبر نیست."},
	"too-large":            {"The request body is larger than %d bytes.", "حجم بدنه درخواست بیش از %d بایت است."},
	"internal":             {"An unexpected error occurred. Quote the request id when reporting it.", "خطای غیرمنتظره‌ای رخ داد. هنگام گزارش، شناسه درخواست را ذکر کنید."},
	"auth-required":        {"Authentication is required.", "ابتدا وارد شوید."},
	"token-invalid":        {"The access token is invalid or has expired.", "توکن دسترسی نامعتبر یا منقضی است."},
	"bad-credentials":      {"The email or password is incorrect.", "ایمیل یا رمز عبور نادرست است."},
	"module-forbidden":     {"You do not have access to the %s module.", "شما به بخش %s دسترسی ندارید."},
	"capability-forbidden": {"You do not have the right to do this.", "شما اجازهٔ انجام این کار را ندارید."},
	"realm-forbidden":      {"This route is not available to your account type.", "این مسیر برای نوع حساب شما در دسترس نیست."},
	"not-found-resource":   {"The %s was not found.", "%s یافت نشد."},
	"route-not-found":      {"No route matches this path.", "مسیری با این آدرس وجود ندارد."},
	"rate-limited":         {"Too many requests. Try again in %d seconds.", "تعداد درخواست‌ها زیاد است. %d ثانیه دیگر دوباره تلاش کنید."},
	"tenant-unknown":       {"The organization was not found or is not active.", "سازمان یافت نشد یا غیرفعال است."},
	"account-inactive":     {"Your account is no longer active.", "حساب کاربری شما دیگر فعال نیست."},
	"required":             {"This field is required.", "این فیلد الزامی است."},
	"invalid-value":        {"The value is invalid.", "مقدار نامعتبر است."},
	"conflict-version":     {"The record was changed by someone else; reload and try again.", "این رکورد توسط شخص دیگری تغییر کرده است؛ دوباره بارگذاری کنید."},
	"cursor-invalid":       {"The cursor is invalid or belongs to another query.", "نشانگر صفحه نامعتبر است."},
}

// T returns the message for key in lang, formatted with args; unknown keys
// are returned as they are so that a missing translation never hides text.
func T(lang Lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == Persian && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Tc is T with the language of the request in ctx.
func Tc(ctx context.Context, key string, args ...any) string {
	return T(LangFrom(ctx), key, args...)
}

// RegisterMessages adds route-group messages (key → {en, fa}).
func RegisterMessages(m map[string][2]string) {
	for k, v := range m {
		messages[k] = v
	}
}
