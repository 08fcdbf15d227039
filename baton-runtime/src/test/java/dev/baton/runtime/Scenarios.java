package dev.baton.runtime;

/** Programs the runtime tests share. */
final class Scenarios {
    private Scenarios() {
    }

    /** Shards buffer damage and push identified deltas to an authority each tick; a victory workflow; an awaiting watcher. */
    static final String BOSS = """
            Event Player.AttackBoss { player_id: String, shard: Int [0..], damage_amount: Int [0..1000] }
            Event Boss.Defeated { version: Int }

            $boss = { hp: 400_000, status: "alive", version: 0 }

            Module Shard [instances: 8] {
                $buffer = 0
                $pushed = 0
                $seq = 0

                ON (Player.AttackBoss) [route: {shard}] {
                    $buffer += {damage_amount}
                }

                Tick [100ms] {
                    if $buffer > 0 {
                        $seq += 1
                        Call Authority.ApplyDamage { delta: $buffer, shard: $my_id, seq: $seq } [timeout: 200ms, retry: 8, backoff: 20ms] -> left
                        $pushed += $buffer
                        $buffer = 0
                    }
                }
            }

            Module Authority {
                $applied = 0
                $pushes = 0

                ApplyDamage(delta: Int, shard: Int, seq: Int) /execute -> Int {
                    $boss.hp -= delta min 0
                    $boss.version += 1
                    $applied += delta
                    $pushes += 1
                    if $boss.hp == 0 and cas($boss.status, "alive", "defeated") {
                        Start Victory { version: $boss.version } [id: "victory"]
                    }
                    return $boss.hp
                }
            }

            Workflow Victory(version: Int) {
                Sleep 200ms
                Emit Boss.Defeated { version: version }
            }

            Load Attacks [population: 1_000, rate: 200_000, total: 300_000] {
                Emit Player.AttackBoss { player_id: "p" + str(actor), shard: actor % 8, damage_amount: random_int(1, 3) }
            }
            """;
}
