"""Digest authentication against the RFCs' own examples, and the retry rules."""

from __future__ import annotations

from console.core.sip.digest import Challenge, DigestClient, authorization, parse_auth_params, response


def test_rfc2617_example():
    c = Challenge.parse('Digest realm="testrealm@host.com", qop="auth,auth-int", '
                        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    assert response(c, method="GET", uri="/dir/index.html", username="Mufasa", password="Circle Of Life",
                    cnonce="0a4f113b", nc=1) == "6629fae49393a05397450978507c4ef1"


RFC7616 = ('Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={alg}, '
           'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')


def test_rfc7616_md5_and_sha256_examples():
    kwargs = dict(method="GET", uri="/dir/index.html", username="Mufasa", password="Circle of Life",
                  cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc=1)
    md5 = Challenge.parse(RFC7616.format(alg="MD5"))
    sha = Challenge.parse(RFC7616.format(alg="SHA-256"))
    assert response(md5, **kwargs) == "8ca523f5e9506fed4657c9700eebdbec"
    assert response(sha, **kwargs) == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    header = parse_auth_params(authorization(sha, **kwargs).removeprefix("Digest "))
    assert header["response"] == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    assert (header["qop"], header["nc"], header["algorithm"]) == ("auth", "00000001", "SHA-256")
    assert header["opaque"] == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"


def test_no_qop_rfc2069_form():
    c = Challenge.parse('Digest realm="r", nonce="n"')
    header = parse_auth_params(authorization(c, method="REGISTER", uri="sip:r", username="u", password="p")[7:])
    assert "qop" not in header and "nc" not in header
    assert header["response"] == response(c, method="REGISTER", uri="sip:r", username="u", password="p")


def test_client_prefers_sha256_counts_nc_and_stops_on_a_repeated_nonce():
    client = DigestClient("u", "p", lambda: "cn")
    offers = [RFC7616.format(alg="MD5"), RFC7616.format(alg="SHA-256")]
    assert client.on_challenge(401, offers)
    first = parse_auth_params(client.headers_for("REGISTER", "sip:x")[0][1][7:])
    second = parse_auth_params(client.headers_for("REGISTER", "sip:x")[0][1][7:])
    assert first["algorithm"] == "SHA-256" and (first["nc"], second["nc"]) == ("00000001", "00000002")
    # challenged again in the same exchange: the password was wrong, do not loop
    assert not client.on_challenge(401, offers, first=False)
    # ... unless the server says the nonce was only stale
    stale = offers[1].replace('algorithm=SHA-256', 'algorithm=SHA-256, stale=true')
    assert client.on_challenge(401, [stale], first=False)
    # a new exchange may meet the very same nonce again (Kamailio's are per second): answered
    assert client.on_challenge(401, offers)


def test_unsupported_challenges_are_refused():
    client = DigestClient("u", "p")
    assert not client.on_challenge(401, ['Basic realm="x"'])
    assert not client.on_challenge(401, ['Digest realm="x", nonce="n", qop="auth-int"'])
    assert not client.on_challenge(407, ['Digest realm="x", nonce="n", algorithm=SHA-512-256'])
    assert not client.on_challenge(401, ['Digest realm="x"'])  # no nonce
