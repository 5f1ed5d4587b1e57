"""clean.v1: every option on tiny Korean inputs."""

from __future__ import annotations

import unicodedata

import pytest

from kotext import ConfigError
from kotext.stages.clean import Clean


def c(text: str, **kw) -> str:
    return Clean(**kw).clean_text(text)


def test_nfd_to_nfc():
    nfd = unicodedata.normalize("NFD", "한국어 텍스트")
    assert nfd != "한국어 텍스트"
    assert c(nfd) == "한국어 텍스트"
    assert c(nfd, normalize="none") == nfd


def test_html_tags_and_entities():
    assert c("<p>좋은 <b>영화</b>&amp;배우&nbsp;&lt;3</p>") == "좋은 영화&배우 <3"
    assert c("첫 줄<br>둘째 줄") == "첫 줄\n둘째 줄"
    assert c("<script>var x = '<b>';</script>본문") == "본문"
    assert c("<b>굵게</b>", html=False) == "<b>굵게</b>"


def test_angle_brackets_that_are_not_tags_stay():
    # Korean titles are written in angle brackets; comparisons are not tags either.
    assert c("영화 <기생충> 최고") == "영화 <기생충> 최고"
    assert c("점수 a < b > c") == "점수 a < b > c"
    assert c("《기생충》 〈소설〉") == "《기생충》 〈소설〉"
    # a letter that is a tag name after "<" and a ">" later: the Korean between stays
    # (it was deleted: "a<b 그리고 c>d" -> "ad")
    assert c("a<b 그리고 c>d") == "a<b 그리고 c>d"
    assert c("만약 x<i 이고 j>y 이면") == "만약 x<i 이고 j>y 이면"
    # real tags with attributes still go, values in any script
    assert c("<a href=\"http://x.com/a?b=1\" class='k'>링크</a> 좋다") == "링크 좋다"
    assert c("<img src=x alt='배우 사진'/>사진 <input disabled>나") == "사진 나"
    assert c("<div\n  data-x=\"1\">가</div>") == "가"
    # an unquoted value holding "=" (a query string), attributes without a space between
    assert c("<a href=/movie?code=123>기생충</a> 최고") == "기생충 최고"
    assert c("<span class='a'title=\"b\">붙은 속성</span>") == "붙은 속성"


@pytest.mark.parametrize("mode, expected", [
    ("mask", "문의 [URL] 참고"), ("remove", "문의 참고"),
    ("keep", "문의 https://example.com/a?b=1 참고"),
])
def test_urls(mode, expected):
    assert c("문의 https://example.com/a?b=1 참고", urls=mode) == expected


@pytest.mark.parametrize("text, expected", [
    ("사이트는 www.naver.com입니다", "사이트는 [URL]입니다"),
    ("링크https://example.com/a?b=1에서 확인", "링크[URL]에서 확인"),
    ("메일은 abc@naver.com으로 보내요", "메일은 [EMAIL]으로 보내요"),
    ("문의는abc@naver.com", "문의는[EMAIL]"),
    ("(https://example.com/x) 참고", "([URL]) 참고"),
    ("여기 http://a.kr/b. 다음", "여기 [URL]. 다음"),
    # a URL's own brackets stay in it; the one around it does not
    ("(출처: https://en.wikipedia.org/wiki/Seoul_(city))", "(출처: [URL])"),
    ("www.a.kr/x_(1)?q=(2)에서", "[URL]에서"),
])
def test_particles_and_punctuation_after_urls_stay(text, expected):
    # Korean puts particles right after a URL or an address: they are not part of it
    assert c(text) == expected


def test_www_url_and_keep_is_untouched_by_repeats():
    assert c("www.naver.com 접속") == "[URL] 접속"
    assert c("www.naver.com 접속", urls="keep") == "www.naver.com 접속"


@pytest.mark.parametrize("mode, expected", [
    ("mask", "메일 [EMAIL] 로"), ("remove", "메일 로"), ("keep", "메일 hong.gd@mail.co.kr 로"),
])
def test_emails(mode, expected):
    assert c("메일 hong.gd@mail.co.kr 로", emails=mode) == expected


@pytest.mark.parametrize("text", ["010-1234-5678", "02-123-4567", "+82 10 1234 5678",
                                  "031.123.4567"])
def test_phones_masked(text):
    assert c(f"연락처 {text} 입니다") == "연락처 [PHONE] 입니다"
    assert c(f"연락처 {text} 입니다", phones="remove") == "연락처 입니다"
    assert c(f"연락처 {text} 입니다", phones="keep") == f"연락처 {text} 입니다"


def test_rrn_masked_not_as_phone():
    assert c("주민번호 900101-1234567 노출") == "주민번호 [RRN] 노출"
    assert c("주민번호 900101-1234567 노출", rrn="remove") == "주민번호 노출"
    # keep the RRN: it must not be half-masked as a phone number either
    assert "900101-1234567" in c("주민번호 900101-1234567", rrn="keep")


def test_plain_numbers_not_masked():
    assert c("가격 15000원, 2024-01-15 개봉, 1234567890") == "가격 15000원, 2024-01-15 개봉, 1234567890"


@pytest.mark.parametrize("mode, expected", [
    ("keep", "최고 😀👍🏻 영화"), ("remove", "최고 영화"), ("replace", "최고 [EMOJI] [EMOJI] 영화"),
])
def test_emoji(mode, expected):
    assert c("최고 😀👍🏻 영화", emoji=mode) == expected


def test_emoji_token_option():
    assert c("좋아요😍", emoji="replace", emoji_token="<e>", html=False) == "좋아요 <e>"
    # a run of emoji is cut like any repeat (keep gave 2, replace gave one token each)
    assert c("최고😀😀😀😀 진짜😀", emoji="replace") == "최고 [EMOJI] [EMOJI] 진짜 [EMOJI]"
    assert c("최고😀😀😀😀", emoji="replace", normalize_repeats=0).count("[EMOJI]") == 4


def test_repeats():
    assert c("ㅋㅋㅋㅋㅋ 재밌다!!!!") == "ㅋㅋ 재밌다!!"
    assert c("ㅋㅋ 좋아") == "ㅋㅋ 좋아"
    assert c("1000000원 2222년") == "1000000원 2222년"  # digits untouched
    assert c("ㅠㅠㅠㅠㅠ 아아아아아", normalize_repeats=3) == "ㅠㅠㅠ 아아아"
    assert c("ㅋㅋㅋㅋㅋ", normalize_repeats=0) == "ㅋㅋㅋㅋㅋ"


def test_jamo_noise():
    assert c("ㅁㄴㅇㄹ 좋아 ㅋㅋ") == "ㅁㄴㅇㄹ 좋아 ㅋㅋ"
    assert c("ㅁㄴㅇㄹ 좋아 ㅋㅋ", jamo="remove_noise") == "좋아 ㅋㅋ"
    # laughing/crying mixes and common abbreviations were dropped as "3+ distinct jamo"
    assert c("ㅋㅋㅎㅎㅠㅠ 진짜 ㄹㅇㅋㅋ 다들 ㅎㅇㅌ ㅆㄹㄱ", jamo="remove_noise") == \
        "ㅋㅋㅎㅎㅠㅠ 진짜 ㄹㅇㅋㅋ 다들 ㅎㅇㅌ ㅆㄹㄱ"
    assert c("ㅁㄴㅇㄹ 좋아 ㅋㅋ", jamo="remove") == "좋아"


def test_whitespace():
    assert c("  좋은\t\t영화  \n\n\n  배우\u3000연기  ") == "좋은 영화\n배우 연기"
    assert c("좋은\n영화", keep_newlines=False) == "좋은 영화"
    assert c("좋은  영화", whitespace=False) == "좋은  영화"


def test_empty_and_only_noise():
    assert c("") == ""
    assert c("   \n  ") == ""
    assert c("<br>") == ""


def test_kiwi_spacing():
    out = Clean(spacing=True)(__import__("kotext").Doc(text="아버지가방에들어가신다")).text
    assert out == "아버지가 방에 들어가신다"


def test_kiwi_typos():
    doc = Clean(typos=True)(__import__("kotext").Doc(text="외않됀대"))
    assert doc.text != "외않됀대" and "안" in doc.text
    # only the corrected word changes: line breaks and words without a typo stay (the
    # whole text was rebuilt from morphemes: 이게 -> 이것이, line breaks gone)
    doc = Clean(typos=True)(__import__("kotext").Doc(text="이게 뭐야 외않되\n둘째 줄이에요"))
    assert doc.text.startswith("이게 뭐야 ") and doc.text.endswith("\n둘째 줄이에요")
    assert "외않되" not in doc.text


@pytest.mark.parametrize("text, expected", [
    # a capitalized scheme (phones capitalize the first letter) leaked the URL
    ("Https://blog.naver.com/kim123/22 참고", "[URL] 참고"),
    ("Www.naver.com 가보세요", "[URL] 가보세요"),
    # an address inside a URL is the URL's (it left "[URL]]")
    ("https://a.com/?email=kim@naver.com 링크", "[URL] 링크"),
    # phone numbers as people write them
    ("문의 (02) 123-4567", "문의 [PHONE]"), ("(031) 123-4567", "[PHONE]"),
    ("(02)123-4567", "[PHONE]"), ("010 - 1234 - 5678", "[PHONE]"),
    ("010\u20131234\u20135678", "[PHONE]"), ("+82 (0)10-1234-5678", "[PHONE]"),
    ("900101\u20131234567", "[RRN]"),
    # ... and still not dates, prices, card or order numbers
    ("2024-01-01 개봉", "2024-01-01 개봉"), ("1234-5678-9012-3456 카드", "1234-5678-9012-3456 카드"),
    ("주문 123-4567", "주문 123-4567"),
])
def test_personal_data_formats(text, expected):
    assert c(text) == expected


def test_invisible_characters_and_titles():
    # zero-width spaces and soft hyphens became tokens (배우\u200b연기 -> 배우 / 우연)
    assert c("정말\u200b재밌는 영화\n배우\u200b연기 스토\u00adry") == "정말재밌는 영화\n배우연기 스토ry"
    assert c("👨\u200d👩\u200d👧 가족") == "👨\u200d👩\u200d👧 가족"  # an emoji sequence keeps its joiner
    # a film title that is also an HTML element name (<Legend>, <Big>) is a title
    assert c("영화 <Legend> 톰하디 최고 <Big>") == "영화 <Legend> 톰하디 최고 <Big>"
    assert c("<Big>타이틀</Big> 봤다") == "<Big>타이틀</Big> 봤다"  # both, not one side
    assert c("<big>크게</big> <BR>다음") == "크게\n다음"


def test_kiwi_options_keep_newlines_and_masks():
    from kotext import Doc

    doc = Clean(spacing=True)(Doc(text="연락처는010-1234-5678입니다\n두번째줄입니다"))
    assert doc.text.count("\n") == 1
    assert "[PHONE]" in doc.text


@pytest.mark.parametrize("kw, message", [
    ({"urls": "hide"}, "clean option urls='hide': use one of mask, remove, keep"),
    ({"emoji": "drop"}, "clean option emoji='drop'"),
    ({"normalize": "NFD"}, "use NFC, NFKC or none"),
    ({"normalize_repeats": -1}, "normalize_repeats"),
    ({"jamo": "x"}, "keep, remove_noise, remove"),
])
def test_bad_options(kw, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Clean(**kw)


def test_to_config_is_constructor_args():
    cfg = Clean(emoji="remove").to_config()
    assert cfg["factory"] == "clean.v1" and cfg["emoji"] == "remove"
    assert set(cfg) - {"factory"} == set(Clean.param_names())
    assert Clean(**{k: v for k, v in cfg.items() if k != "factory"}).to_config() == cfg


def test_inline_tags_do_not_split_words():
    assert c("<b>지루</b>했다 <span class='x'>정말</span>로") == "지루했다 정말로"
    assert c("<div>첫째</div><div>둘째</div>") == "첫째\n둘째"
    assert c("<td>가</td><td>나</td>") == "가 나"


def test_personal_data_in_the_shapes_people_type():
    # full-width digits, ㅡ typed for a dash, a Hangul wiki path: all leaked
    assert c("연락 ０１０－１２３４－５６７８ 주세요") == "연락 [PHONE] 주세요"
    assert c("연락 010ㅡ1234ㅡ5678") == "연락 [PHONE]"
    assert c("주민 ９００１０１－１２３４５６７") == "주민 [RRN]"
    assert c("가격 ２０００원, 2019ㅡ2020 시즌") == "가격 ２０００원, 2019ㅡ2020 시즌"
    assert c("https://ko.wikipedia.org/wiki/기생충_(영화) 참고") == "[URL] 참고"
    assert c("https://site.com/?q=영화 추천") == "[URL] 추천"
    # a particle after a URL, a bracketed note after one: not part of it
    assert c("www.naver.com입니다") == "[URL]입니다"
    assert c("사이트 www.example.com(공식) 참고") == "사이트 [URL](공식) 참고"
    # ㅡㅡ (an emoticon) or ㅡ as a separator next to a number does not hide it
    assert c("연락처ㅡ010-1234-5678 ㅡㅡ010-1234-5678") == "연락처ㅡ[PHONE] ㅡㅡ[PHONE]"
    assert c("010-1234-5678ㅡㅡ") == "[PHONE]ㅡㅡ"
    # a particle after the slash that ends a URL stays outside it; a path does not
    assert c("https://naver.com/에서 봤어요") == "[URL]에서 봤어요"
    assert c("https://ko.wikipedia.org/wiki/서울 참고") == "[URL] 참고"
    # an address starts with a letter or digit: the ".." before it stays
    assert c("제발 부탁 드림..homemc@hanmail.net") == "제발 부탁 드림..[EMAIL]"


def test_more_invisible_characters_line_breaks_and_roman_numerals():
    # U+200C made 배우/우연 as U+200B did; a Hangul filler became an SW token
    assert c("배우\u200c연기 좋다 \u3164 끝\u2063") == "배우연기 좋다 끝"
    # a bare CR (old Mac), U+2028 and U+2029 are line breaks (they became spaces)
    assert c("하나\r둘\u2028셋\u2029넷\r\n다섯") == "하나\n둘\n셋\n넷\n다섯"
    # Roman numerals are numbers: 대부 III is not 대부 II
    assert c("대부 III 최고, 록키 VIII편 XXX등급") == "대부 III 최고, 록키 VIII편 XXX등급"
    assert c("sooooo goooood ㅋㅋㅋㅋ!!!!") == "soo good ㅋㅋ!!"


def test_nfkc_keeps_korean_jamo():
    # NFKC turned ㅋㅋ into conjoining jamo (ᄏᄏ) that Kiwi tagged as a noun, and that
    # jamo="remove" no longer saw
    assert c("ㅋㅋㅋㅋ 재밌다 ㅠㅠ ＡＢＣ１２３", normalize="NFKC") == "ㅋㅋ 재밌다 ㅠㅠ ABC123"
    assert c("ㅋㅋ 재밌다", normalize="NFKC", jamo="remove") == "재밌다"


@pytest.mark.parametrize("text, expected", [
    # an invisible character inside a number hid it, and its removal then gave it back
    ("연락처 010\u200b-1234-5678 입니다", "연락처 [PHONE] 입니다"),
    ("0\u200b1\u200b0\u200b1234\u2060" "5678", "[PHONE]"), ("010 1234\u00ad5678", "[PHONE]"),
    ("9001011\u200b234567", "[RRN]"), ("abc\u200b@naver.com", "[EMAIL]"),
    ("ww\u200bw.naver.com", "[URL]"),
    # spaces doubled, tabs
    ("010  1234  5678", "[PHONE]"), ("010\t\t1234\t\t5678", "[PHONE]"),
    ("02  123  4567", "[PHONE]"), ("010 -  1234 - 5678", "[PHONE]"),
    ("데이터\n02\n\n1234\n\n5678", "데이터\n02\n1234\n5678"),  # not across blank lines
    # a dash next to a word does not hide a number; one next to a digit makes it longer
    ("홍길동-010-1234-5678", "홍길동-[PHONE]"), ("HP-010-1234-5678", "HP-[PHONE]"),
    ("010-1234-5678-홍길동", "[PHONE]-홍길동"), ("연락처-01012345678", "연락처-[PHONE]"),
    ("1234-010-1234-5678", "1234-010-1234-5678"), ("010-1234-5678-9", "010-1234-5678-9"),
    ("안심번호 0505-123-4567", "안심번호 [PHONE]"), ("abc＠naver.com 으로", "[EMAIL] 으로"),
])
def test_personal_data_hidden_by_invisible_characters_spaces_and_dashes(text, expected):
    assert c(text) == expected


def test_invisible_characters_go_before_masking_even_with_whitespace_off():
    assert c("연락처 010\u200b-1234-5678", whitespace=False) == "연락처 [PHONE]"
    # nothing masked and whitespace off: the text stays as written
    keep = {"urls": "keep", "emails": "keep", "phones": "keep", "rrn": "keep"}
    assert c("a\u200bb", whitespace=False, **keep) == "a\u200bb"


def test_repeats_keep_words_and_masks():
    # AAA 건전지 became AA, (viii) became (vii), a masked number lost its asterisks
    assert c("AAA 건전지, 조항 (viii), Chapter xxx, WWW 주소") == \
        "AAA 건전지, 조항 (viii), Chapter xxx, WWW 주소"
    assert c("900101-2****** 와 010-****-5678", rrn="keep", phones="keep") == \
        "900101-2****** 와 010-****-5678"
    assert c("zzzzz goooood ㅋㅋㅋㅋ") == "zz good ㅋㅋ"  # runs of 4+ letters are still cut
    # an emoji with a variation selector or a skin tone is cut as 😂😂😂😂 is (it stayed)
    assert c("좋아요❤️❤️❤️❤️ 👍🏻👍🏻👍🏻 😂😂😂") == "좋아요❤️❤️ 👍🏻👍🏻 😂😂"


def test_html_edge_cases():
    # a declaration holds no Hangul: these brackets are the writer's
    assert c("<!Important 공지> 내용") == "<!Important 공지> 내용"
    assert c("<!DOCTYPE html><p>본문</p>") == "본문"
    assert c("<![CDATA[Great movie 10/10]]> 최고") == "<![CDATA[Great movie 10/10]]> 최고"
    # inline markup inside a number joins it, and it is still masked (a space leaked it)
    assert c("010-123<b>4</b>-5678 로 연락, 900101-1<b>234567</b>") == "[PHONE] 로 연락, [RRN]"
    # escaped markup is text
    assert c("x &lt; y 이고 &lt;b&gt; 태그") == "x < y 이고 <b> 태그"


def test_nfkc_keeps_half_width_and_circled_jamo_as_jamo():
    # NFKC made ﾻ and ㉠ conjoining jamo (ᄏ, ᄀ), which Kiwi tags as nouns
    assert c("재밌다ﾻﾻ ㉠ 항목", normalize="NFKC") == "재밌다ㅋㅋ ㄱ 항목"


@pytest.mark.parametrize("text, expected", [
    # URLs written without a scheme (a blog address holds its writer's id) were left as is
    ("m.blog.naver.com/kim123에서 봤어요", "[URL]에서 봤어요"), ("bit.ly/3abcd 참고", "[URL] 참고"),
    ("youtu.be/abcd123", "[URL]"), ("ftp://files.example.com/a.zip", "[URL]"),
    ("wWw.naver.com 접속", "[URL] 접속"), ("WwW.daum.net", "[URL]"),
    # ... but a bare domain, scores, dates and words with slashes are no URLs
    ("naver.com 좋아", "naver.com 좋아"), ("9.5/10 점", "9.5/10 점"), ("A/S 센터", "A/S 센터"),
    ("2024.01.15/ 개봉", "2024.01.15/ 개봉"), ("연기/연출/음악 최고", "연기/연출/음악 최고"),
    # ... nor names and comparisons (the ending is lower case, a label has a letter, and a
    # path follows the slash)
    ("ASP.NET/C# 개발자", "ASP.NET/C# 개발자"), ("Amazon.com/Netflix 비교", "Amazon.com/Netflix 비교"),
    ("To.be/continued", "To.be/continued"), ("Let.it.be/비틀즈", "Let.it.be/비틀즈"),
    ("3.me/5", "3.me/5"), ("netflix.com/ 에서", "netflix.com/ 에서"),
])
def test_urls_without_a_scheme(text, expected):
    assert c(text) == expected


def test_control_characters_and_lone_surrogates():
    # a NUL or BEL stayed in the text (a text of them alone got a label); a lone surrogate
    # (json.loads of a broken escape) made Kiwi fail with a codec error
    assert c("좋은\x00영화였다 \x07\x1b끝") == "좋은 영화였다 끝"
    # a control character separates what it stands between; a colour code goes whole
    assert c("영화\x01재미 \x1b[31m빨강\x1b[0m") == "영화 재미 빨강"
    assert c("a\tb\x0cc") == "a b c"  # tab and form feed are whitespace
    assert c("좋다\ud800영화") == "좋다\ufffd영화"
