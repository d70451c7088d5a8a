"""The login screen when the server's TLS certificate is not accepted (issue 22): it says it is the certificate,
why, and how to give the CA; not a wrong password or an unreachable server."""

from __future__ import annotations

from console.core.enums import LOGIN_STATES
from console.store.state import LoginFailure
from tls_ca import TestCa

from .conftest import make_console, operator_plan
from .test_login_log import log_in_with
from .test_operator import SIZE


async def test_an_untrusted_certificate_reads_as_a_certificate_problem(dirs, tmp_path):
    """A switch whose certificate comes from a CA this console was not given: verified by default, so the login
    fails (SERVER_ACCESS) and the reason names the certificate, OpenSSL's words and the option to give the CA."""
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    pair = TestCa(tmp_path / "ca").server()
    switch = await Switch.start(demo_config(port=0, media=False, tls_cert=str(pair.cert_file),
                                            tls_key=str(pair.key_file)))
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in_with(console, pilot, switch.url, "operator")
            state = await console.until(lambda s: s.login.failure is not None)
            await pilot.pause()
            assert state.login.failure is LoginFailure.CERTIFICATE
            await console.until(lambda s: s.login.state is LOGIN_STATES.SERVER_ACCESS)
            await pilot.pause()
            reason = str(console.app.screen.query_one("#login-reason").render())
            assert "certificate was not accepted" in reason and "--ca-file" in reason, reason
            assert "unable to get local issuer certificate" in reason, reason  # why: the CA is unknown here
    finally:
        await console.controller.aclose()
        await switch.aclose()
