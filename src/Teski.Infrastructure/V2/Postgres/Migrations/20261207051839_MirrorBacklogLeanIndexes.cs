using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class MirrorBacklogLeanIndexes : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The outbox's two indexes over all its rows, applied or not, read by no query (the pending records have
            // partial indexes of their own; seq is GENERATED ALWAYS), and room on each page for a claim's HOT update
            // (ADR 0004 addendum, docs/benchmarks.md). The fillfactor applies to pages filled from now on; nothing is
            // rewritten, so the migration takes a moment whatever the table's size.
            migrationBuilder.DropIndex(
                name: "teski_ix_mirror_backlog_stream_seq",
                table: "teski_mirror_backlog");

            migrationBuilder.DropIndex(
                name: "teski_ux_mirror_backlog_seq",
                table: "teski_mirror_backlog");

            migrationBuilder.AlterTable(
                name: "teski_mirror_backlog")
                .Annotation("Npgsql:StorageParameter:fillfactor", 50);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "teski_mirror_backlog")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 50);

            migrationBuilder.CreateIndex(
                name: "teski_ix_mirror_backlog_stream_seq",
                table: "teski_mirror_backlog",
                columns: new[] { "stream", "seq" });

            migrationBuilder.CreateIndex(
                name: "teski_ux_mirror_backlog_seq",
                table: "teski_mirror_backlog",
                column: "seq",
                unique: true);
        }
    }
}
