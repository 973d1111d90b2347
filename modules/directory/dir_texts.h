/*
 * dir_texts.h - every text the component shows people, in English and
 * Urdu. Labels of form fields carry both scripts ("Name — نام"); error
 * texts are separate <text xml:lang> elements.
 */
#ifndef DIR_TEXTS_H
#define DIR_TEXTS_H

#define DIR_NAME "Smart Office directory"

#define DIR_T_INSTRUCTIONS                                                                                                   \
    "Search the government directory by name, designation, grade, office "                                                   \
    "or city. — نام، عہدے، گریڈ، دفتر یا شہر سے سرکاری ڈائریکٹری میں تلاش " \
    "کریں۔"
#define DIR_T_FORM_TITLE "Directory search — ڈائریکٹری میں تلاش"
#define DIR_T_RESULT_TITLE "Directory results — ڈائریکٹری کے نتائج"
#define DIR_T_COMMAND "Search the directory"

/* search form fields */
#define DIR_L_Q "Name or words — نام یا الفاظ"
#define DIR_L_DESIGNATION "Designation — عہدہ"
#define DIR_L_GRADE "Grade (BPS) — گریڈ (بی پی ایس)"
#define DIR_L_UNIT "Office code — دفتر کا کوڈ"
#define DIR_L_CITY "City — شہر"
/* result fields */
#define DIR_L_JID "Address — پتہ"
#define DIR_L_NAME "Name — نام"
#define DIR_L_NAME_UR "Name in Urdu — اردو نام"
#define DIR_L_OFFICE "Office — دفتر"
#define DIR_L_PHONE "Phone — فون"
#define DIR_L_EMAIL "Email — ای میل"
#define DIR_L_STATUS "Status — حیثیت"

/* ad-hoc command notes */
#define DIR_T_NO_MORE "No more results. — مزید نتائج نہیں۔"
#define DIR_T_NEXT_PAGE                                                        \
    "More results: choose Next. — مزید نتائج کے لیے اگلا منتخب کریں۔"
#define DIR_T_CANCELED "Search canceled. — تلاش منسوخ۔"

/* chat: the status of people not active, both scripts */
#define DIR_T_ON_LEAVE "on leave — رخصت پر"
#define DIR_T_SUSPENDED "suspended — معطل"
#define DIR_T_RETIRED "retired — ریٹائرڈ"

/* chat */
#define DIR_T_NO_MATCH "No matches. — کوئی نتیجہ نہیں ملا۔"
#define DIR_T_MORE "more: send 'more' — مزید کے لیے 'more' بھیجیں"
#define DIR_T_NO_SEARCH                                                        \
    "Nothing to continue; send a name first. — پہلے کوئی نام بھیجیں۔"
#define DIR_T_HELP                                                                                                               \
    "Send a name, or part of one, to search the directory: for example "                                                         \
    "'khan' or 'ali raza'. Words may be in English or Urdu, in any order. "                                                      \
    "Send 'more' for the next results, 'help' for this text.\n"                                                                  \
    "ڈائریکٹری میں تلاش کے لیے نام یا اس کا حصہ بھیجیں، مثلاً 'خان' یا "       \
    "'علی رضا'۔ الفاظ انگریزی یا اردو میں، کسی بھی ترتیب میں ہو سکتے ہیں۔ " \
    "اگلے نتائج کے لیے 'more' یا 'مزید'، اور یہ ہدایات دوبارہ دیکھنے کے لیے "   \
    "'help' یا 'مدد' بھیجیں۔"

/* errors, English then Urdu */
#define DIR_E_FORBIDDEN_EN                                                     \
    "Only users of this government's domains may search the directory."
#define DIR_E_FORBIDDEN_UR                                                     \
    "ڈائریکٹری میں صرف اس حکومت کے ڈومین کے صارفین تلاش کر سکتے ہیں۔"
#define DIR_E_RATE_EN "Too many searches; try again in %u seconds."
#define DIR_E_RATE_UR "بہت زیادہ تلاشیں؛ %u سیکنڈ بعد دوبارہ کوشش کریں۔"
#define DIR_E_UNAVAIL_EN                                                       \
    "The directory is temporarily unavailable; try again shortly."
#define DIR_E_UNAVAIL_UR                                                       \
    "ڈائریکٹری عارضی طور پر دستیاب نہیں؛ تھوڑی دیر بعد دوبارہ کوشش کریں۔"
#define DIR_E_BADREQ_EN "The search request is not valid."
#define DIR_E_BADREQ_UR "تلاش کی درخواست درست نہیں۔"
#define DIR_E_CURSOR_EN "The page marker is not valid; start the search again."
#define DIR_E_CURSOR_UR "صفحے کا نشان درست نہیں؛ تلاش دوبارہ شروع کریں۔"
#define DIR_E_NOENT_EN "There is no such entry in the directory."
#define DIR_E_NOENT_UR "ڈائریکٹری میں ایسا کوئی اندراج نہیں۔"
#define DIR_E_BEFORE_EN "Paging backwards is not supported; use 'after'."
#define DIR_E_BEFORE_UR                                                        \
    "پچھلے صفحات کی طرف جانا ممکن نہیں؛ 'after' استعمال کریں۔"
#define DIR_E_INDEX_EN "Paging by index is not supported; use 'after'."
#define DIR_E_INDEX_UR                                                         \
    "نمبر (index) سے صفحات پر جانا ممکن نہیں؛ 'after' استعمال کریں۔"
#define DIR_E_NOCOMMAND_EN "There is no such command."
#define DIR_E_NOCOMMAND_UR "ایسی کوئی کمانڈ موجود نہیں۔"
#define DIR_E_UNIT_EN                                                          \
    "There is no office with this code in the directory (field 'unit')."
#define DIR_E_UNIT_UR                                                          \
    "ڈائریکٹری میں اس کوڈ کا کوئی دفتر نہیں (خانہ 'unit' — دفتر کا کوڈ)۔"
#define DIR_E_CITY_EN                                                          \
    "There is no city with this code in the directory (field 'city')."
#define DIR_E_CITY_UR                                                          \
    "ڈائریکٹری میں اس کوڈ کا کوئی شہر نہیں (خانہ 'city' — شہر)۔"
#define DIR_E_INTERNAL_EN "The directory could not answer this search."
#define DIR_E_INTERNAL_UR "ڈائریکٹری اس تلاش کا جواب نہیں دے سکی۔"
#define DIR_E_SESSION_EN "This search session has ended; start a new one."
#define DIR_E_SESSION_UR "تلاش کا یہ سلسلہ ختم ہو چکا؛ نئی تلاش شروع کریں۔"
#define DIR_E_UNSUPPORTED_EN "The directory does not offer this."
#define DIR_E_UNSUPPORTED_UR "ڈائریکٹری یہ سہولت فراہم نہیں کرتی۔"

#endif
