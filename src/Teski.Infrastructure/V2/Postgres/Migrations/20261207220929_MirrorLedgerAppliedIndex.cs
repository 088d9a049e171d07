using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class MirrorLedgerAppliedIndex : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The ledger's index, read by its prune (MirrorRetention). IF NOT EXISTS for the same reason as
            // MirrorBacklogAppliedIndex: on a large ledger an operator builds it beforehand with CREATE INDEX
            // CONCURRENTLY (the runbook), and this step is then a no-op.
            migrationBuilder.Sql(
                "CREATE INDEX IF NOT EXISTS teski_ix_mirror_applied_applied_at ON teski_mirror_applied (applied_at)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "teski_ix_mirror_applied_applied_at",
                table: "teski_mirror_applied");
        }
    }
}
