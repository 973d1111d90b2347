/*
 * so_texts_device.c - the texts for a recipient who has no OMEMO device.
 *
 * A binding adds this text to a plaintext refusal when it knows that the
 * recipient has published no OMEMO device list at all: the sender could
 * not have encrypted, and must be told whom to ask.
 */
#include "so_omemo.h"

const char *so_no_device_text_en(void)
{
    return "The recipient has not set up encryption yet: no OMEMO device "
           "of theirs is known to this server, so nothing can be encrypted "
           "for them. Ask them to sign in once with an app that has OMEMO "
           "turned on, then send your message again, encrypted.";
}

const char *so_no_device_text_ur(void)
{
    return "وصول کنندہ نے ابھی خفیہ کاری سیٹ اپ "
           "نہیں کی: اس سرور پر ان کا کوئی OMEMO آلہ "
           "موجود نہیں، اس لیے ان کے لیے کچھ بھی "
           "خفیہ نہیں کیا جا سکتا۔ ان سے کہیں کہ "
           "وہ ایک بار OMEMO والی ایپ سے سائن ان "
           "کریں، پھر اپنا پیغام خفیہ کر کے "
           "دوبارہ بھیجیں۔";
}
