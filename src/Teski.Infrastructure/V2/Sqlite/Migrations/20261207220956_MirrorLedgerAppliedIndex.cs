using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MirrorLedgerAppliedIndex : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "teski_ix_mirror_applied_applied_at",
                table: "teski_mirror_applied",
                column: "applied_at");
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
