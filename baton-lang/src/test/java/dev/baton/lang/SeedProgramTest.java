package dev.baton.lang;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The design notes' Boss-Sync program, verbatim, must get precise diagnostics for exactly its
 * inconsistencies — it writes {@code GlobalState.HP} for {@code $global_boss_state.hp} and
 * calls an undefined {@code Saga.TriggerVictorySequence()} — and nothing else.
 */
class SeedProgramTest {
    @Test
    void verbatimSeedGetsExactlyItsInconsistencies() throws Exception {
        SourceFile seed = SourceFile.read(Path.of("src/test/resources/seed/seed-verbatim.baton"));
        assertThat(seed.text()).contains("Saga.TriggerVictorySequence()").contains("GlobalState.HP -= {delta}");

        List<Diagnostic> ds = Baton.check(seed).diagnostics();

        assertThat(ds).extracting(Diagnostic::line, Diagnostic::column, d -> d.code().id(), Diagnostic::suggestion)
                .containsExactly(
                        tuple(49, 9, "B0201", "$global_boss_state.hp"),
                        tuple(50, 9, "B0201", "$global_boss_state.version"),
                        tuple(53, 13, "B0201", "$global_boss_state.hp"),
                        tuple(55, 13, "B0204", null));
        assertThat(ds.get(0).message()).isEqualTo("unknown name 'GlobalState.HP'; did you mean '$global_boss_state.hp'?");
        assertThat(ds.get(3).message()).contains("'Saga.TriggerVictorySequence' is not defined")
                .contains("Workflow TriggerVictorySequence");
        assertThat(ds).allMatch(Diagnostic::isError);
        // the caret covers the whole name as written
        assertThat(DiagnosticRenderer.render(ds.get(0))).endsWith("|         ^~~~~~~~~~~~~~\n");
    }

    @Test
    void minimallyEditedSeedChecksClean() throws Exception {
        SourceFile fixed = SourceFile.read(Path.of("../examples/seed-boss-sync.baton"));
        assertThat(Baton.check(fixed).diagnostics()).isEmpty();
    }
}
