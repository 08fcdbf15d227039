package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Endpoints called from outside the program (what an engine's API does for a client). */
class EndpointCallTest {
    static final String BANK = """
            $total = 0
            Module Accounts [instances: 4] {
                $balance = 0
                Deposit(amount: Int [1..1000], note: String = "") /execute -> Int {
                    $balance += amount
                    $total += amount
                    return $balance
                }
                Withdraw(amount: Int [1..]) /execute -> Int {
                    $balance -= amount
                    if $balance < 0 {
                        Fail "insufficient funds"
                    }
                    return $balance
                }
                Balance /return -> Int {
                    return $balance
                }
            }
            Module Audit {
                Count /return -> Int {
                    return $total
                }
            }
            """;

    private static Object answer(Core core, long handle) {
        Object reply = core.runUntilReply(handle, 60_000);
        if (reply == null) throw new AssertionError("no reply");
        return reply;
    }

    private static Object call(Core core, Plan plan, String caller, String target, String args) {
        EndpointCall c = EndpointCall.parse(plan, target, args);
        return answer(core, core.callFromOutside(caller, c.module(), c.key(), c.endpoint(), c.args()));
    }

    @Test
    void commandsAndQueriesAnswerAndAResendUnderTheSameCallerCountsOnce() {
        Plan plan = Programs.plan(BANK);
        Core core = new Core(plan, 1, Faults.NONE, EngineOptions.defaults().decisions());
        core.start();
        assertThat(call(core, plan, "a", "Accounts[2].Deposit", "{\"amount\": 300}")).isEqualTo(300L);
        assertThat(call(core, plan, "b", "Accounts[2].Deposit", "{\"amount\": 50, \"note\": \"gift\"}")).isEqualTo(350L);
        assertThat(call(core, plan, "b", "Accounts[2].Deposit", "{\"amount\": 50, \"note\": \"gift\"}")).as("the same caller again").isEqualTo(350L);
        assertThat(call(core, plan, "c", "Accounts[2].Balance", null)).isEqualTo(350L);
        assertThat(call(core, plan, "d", "Audit.Count", "{}")).isEqualTo(350L);
        assertThat(call(core, plan, "e", "Accounts[2].Withdraw", "{\"amount\": 1000}")).isEqualTo(new CallFailure("insufficient funds"));
        assertThat(call(core, plan, "f", "Accounts[2].Balance", "")).as("the failed command was rolled back").isEqualTo(350L);
        assertThat(core.outsideCallsOpen()).isFalse();
    }

    @Test
    void aCallStillOpenSurvivesASnapshotAndIsAnsweredAfterIt() {
        Plan plan = Programs.plan(BANK);
        Core core = new Core(plan, 1, Faults.NONE, EngineOptions.defaults().decisions());
        core.start();
        EndpointCall c = EndpointCall.parse(plan, "Accounts[1].Deposit", "{\"amount\": 7}");
        long handle = core.callFromOutside("x", c.module(), c.key(), c.endpoint(), c.args());
        assertThat(core.outsideCallsOpen()).isTrue();
        assertThat(answer(core, handle)).isEqualTo(7L);
        assertThat(core.outsideCallsOpen()).as("its reply taken").isFalse();
        Core copy = CoreCodec.copy(core);
        assertThat(call(copy, plan, "x", "Accounts[1].Deposit", "{\"amount\": 7}")).as("the de-duplication memory is in the snapshot").isEqualTo(7L);
        assertThat(call(copy, plan, "y", "Accounts[1].Balance", null)).isEqualTo(7L);
    }

    @Test
    void badCallsAreRefusedSayingWhatIsWrong() {
        Plan plan = Programs.plan(BANK);
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts", "{}")).hasMessageContaining("is not Module.Endpoint or Module[KEY].Endpoint");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Acounts[1].Deposit", "{}")).hasMessageContaining("unknown module 'Acounts' (modules: Accounts, Audit)");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[9].Deposit", "{}")).hasMessageContaining("9 is not an instance of Accounts (keys: [0, 1, 2, 3])");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[1].Steal", "{}")).hasMessageContaining("Accounts has no endpoint 'Steal' (endpoints: Deposit, Withdraw, Balance)");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[1].Deposit", "{amount: 1}")).hasMessageContaining("the arguments are not JSON");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[1].Deposit", "{}")).hasMessageContaining("arguments of Accounts.Deposit: amount is missing");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[1].Deposit", "{\"amount\": 5000}")).hasMessageContaining("amount = 5000 is outside");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[1].Deposit", "{\"amount\": 5, \"to\": 1}")).hasMessageContaining("unexpected field 'to'");
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[1].Deposit", "{\"amount\": \"5\"}")).hasMessageContaining("amount is String");
        assertThat(EndpointCall.parse(plan, "Accounts[1].Balance", null).query()).isTrue();
        assertThatThrownBy(() -> EndpointCall.parse(plan, "Accounts[\"1\"].Balance", null)).as("a quoted key is a string")
                .hasMessageContaining("\"1\" is not an instance of Accounts");
    }
}
