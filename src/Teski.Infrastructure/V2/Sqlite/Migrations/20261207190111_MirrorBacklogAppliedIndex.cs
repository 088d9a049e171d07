using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MirrorBacklogAppliedIndex : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "teski_ix_mirror_backlog_applied_at",
                table: "teski_mirror_backlog",
                column: "applied_at",
                filter: "applied_at IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "teski_ix_mirror_backlog_applied_at",
                table: "teski_mirror_backlog");
        }
    }
}
